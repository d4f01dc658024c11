package dev.tolk.core.fuzz;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks that bytes are a well-formed Anthropic event stream (protocol.md §A.6) and returns its frames.
 *
 * <p>Wire: valid UTF-8; frames {@code event: NAME\ndata: JSON\n\n}; the JSON is an object whose {@code type} is
 * NAME. Order: {@code message_start} first; content blocks indexed 0, 1, 2… with at most one open, each delta of
 * the open block's kind; {@code message_delta} only with no block open and followed by {@code message_stop};
 * nothing after {@code message_stop} or {@code error}; {@code ping} anywhere. Content: a text block's text is not
 * blank and a tool_use block's {@code partial_json} adds up to one JSON object.
 */
final class AnthropicSseChecker {
    /** Reads back what Tolk wrote; deeper than Tolk's own input limit, so a legal input nested to the limit fits. */
    static final ObjectMapper LENIENT = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(10_000).build()).build());

    record Frame(String event, JsonNode data) {}

    private final List<Frame> frames = new ArrayList<>();
    private int nextIndex;
    private int openIndex = -1;
    private String openType;
    private final StringBuilder openContent = new StringBuilder();
    private boolean started;
    private boolean deltaSent;
    private String terminal;

    private AnthropicSseChecker() {}

    /** The frames of {@code sse}; when {@code ended}, the stream must end with message_stop or error. */
    static List<Frame> check(byte[] sse, boolean ended) {
        AnthropicSseChecker c = new AnthropicSseChecker();
        String text = utf8(sse);
        if (!text.isEmpty() && !text.endsWith("\n\n")) {
            throw new AssertionError("stream does not end with a blank line: " + tail(text));
        }
        for (String frame : text.split("\n\n")) {
            if (!frame.isEmpty()) {
                c.frame(frame);
            }
        }
        if (ended && c.terminal == null) {
            throw new AssertionError("ended stream has no message_stop or error; last frames: " + tail(text));
        }
        return c.frames;
    }

    private void frame(String frame) {
        String[] lines = frame.split("\n", -1);
        if (lines.length != 2 || !lines[0].startsWith("event: ") || !lines[1].startsWith("data: ")) {
            throw new AssertionError("not an event:/data: frame: " + frame);
        }
        String event = lines[0].substring(7);
        JsonNode data;
        try {
            data = LENIENT.readTree(lines[1].substring(6));
        } catch (IOException e) {
            throw new AssertionError("data is not JSON: " + frame, e);
        }
        if (data == null || !data.isObject() || !event.equals(data.path("type").asText(null))) {
            throw new AssertionError("data is not an object of type " + event + ": " + frame);
        }
        if (terminal != null) {
            throw new AssertionError(event + " after " + terminal);
        }
        if (!started && !event.equals("message_start")) {
            throw new AssertionError("first event is " + event + ", not message_start");
        }
        frames.add(new Frame(event, data));
        order(event, data);
    }

    private void order(String event, JsonNode data) {
        switch (event) {
            case "message_start" -> {
                expect(!started, "a second message_start");
                started = true;
            }
            case "content_block_start" -> {
                expect(openIndex < 0, "block " + data.path("index") + " starts while block " + openIndex + " is open");
                expect(!deltaSent, "content_block_start after message_delta");
                expect(data.path("index").asInt(-1) == nextIndex, "block index " + data.path("index") + ", expected " + nextIndex);
                openIndex = nextIndex++;
                openType = data.path("content_block").path("type").asText();
                expect(List.of("text", "thinking", "tool_use").contains(openType), "block type " + openType);
                openContent.setLength(0);
            }
            case "content_block_delta" -> {
                expect(openIndex >= 0 && data.path("index").asInt(-1) == openIndex, "delta for a block that is not open: " + data);
                delta(data.path("delta"));
            }
            case "content_block_stop" -> {
                expect(openIndex >= 0 && data.path("index").asInt(-1) == openIndex, "stop for a block that is not open: " + data);
                closeBlock();
            }
            case "message_delta" -> {
                expect(openIndex < 0, "message_delta while block " + openIndex + " is open");
                expect(!deltaSent, "a second message_delta");
                expect(data.path("delta").path("stop_reason").isTextual(), "message_delta without stop_reason: " + data);
                deltaSent = true;
            }
            case "message_stop" -> {
                expect(deltaSent, "message_stop without message_delta");
                terminal = event;
            }
            case "error" -> {
                expect(data.path("error").path("type").isTextual() && data.path("error").path("message").isTextual(),
                        "error without type and message: " + data);
                terminal = event;
            }
            case "ping" -> { }
            default -> throw new AssertionError("unknown event " + event);
        }
    }

    private void delta(JsonNode d) {
        String type = d.path("type").asText();
        switch (openType) {
            case "text" -> {
                expect(type.equals("text_delta") && d.path("text").isTextual(), "text block got " + d);
                openContent.append(d.path("text").textValue());
            }
            case "thinking" -> expect(type.equals("thinking_delta") && d.path("thinking").isTextual()
                    || type.equals("signature_delta") && d.path("signature").isTextual(), "thinking block got " + d);
            default -> {
                expect(type.equals("input_json_delta") && d.path("partial_json").isTextual(), "tool_use block got " + d);
                openContent.append(d.path("partial_json").textValue());
            }
        }
    }

    private void closeBlock() {
        if (openType.equals("text")) {
            expect(!openContent.toString().isBlank(), "text block " + openIndex + " is blank");
        } else if (openType.equals("tool_use") && !openContent.isEmpty()) {
            try {
                expect(LENIENT.readTree(openContent.toString()).isObject(), "tool input is not an object");
            } catch (IOException e) {
                throw new AssertionError("tool input of block " + openIndex + " is not JSON: " + openContent, e);
            }
        }
        openIndex = -1;
        openType = null;
    }

    private static void expect(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    private static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("output is not valid UTF-8", e);
        }
    }

    private static String tail(String s) {
        return s.length() <= 400 ? s : "…" + s.substring(s.length() - 400);
    }
}
