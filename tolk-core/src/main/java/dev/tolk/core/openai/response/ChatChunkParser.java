package dev.tolk.core.openai.response;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tolk.core.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Streaming (no tree) parser of vLLM chunks and completions into {@link ChatChunk}. Reads only the fields
 * translation needs and skips everything else, so unknown fields cost nothing. Works for both a
 * {@code chat.completion.chunk} ({@code choices[].delta}) and a {@code chat.completion} ({@code choices[].message}).
 *
 * <p>Throws {@link IOException} for malformed JSON or wrong types; the caller turns that into an error event.
 */
public final class ChatChunkParser {
    private ChatChunkParser() {}

    public static ChatChunk parse(byte[] buf, int off, int len) throws IOException {
        try (JsonParser p = Json.FACTORY.createParser(buf, off, len)) {
            return read(p, p.nextToken(), null);
        }
    }

    /**
     * Reads one chunk object from {@code p}, whose current token is {@code first}; on return the current token is
     * the object's {@code END_OBJECT}. With a {@code span}, notes where the delta's text values lie. The parser must
     * report the end of its input as the end of the document: {@link ChatChunkReader} wraps its non-blocking parser
     * so that running out of input is an error, never {@code NOT_AVAILABLE}.
     */
    static ChatChunk read(JsonParser p, JsonToken first, TextSpan span) throws IOException {
        if (first != JsonToken.START_OBJECT) {
            throw new IOException("expected a JSON object");
        }
        State s = new State();
        s.span = span;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "choices" -> readChoices(p, t, s);
                case "usage" -> s.usage = t == JsonToken.START_OBJECT ? readUsage(p) : null;
                case "error" -> s.error = readError(p, t);
                case "message" -> {
                    // flat legacy error {"object":"error","message":…}
                    if (t == JsonToken.VALUE_STRING) {
                        s.flatMessage = p.getText();
                    } else {
                        p.skipChildren();
                    }
                }
                case "object" -> s.objectIsError = t == JsonToken.VALUE_STRING && isError(p);
                case "type" -> s.flatType = t == JsonToken.VALUE_STRING ? p.getText() : null;
                case "code" -> s.flatCode = t == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : 0;
                default -> p.skipChildren();
            }
            p.skipChildren(); // a value of the wrong kind, say an object where a number belongs, is skipped whole
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw new IOException("truncated JSON object");
        }
        if (s.error == null && s.objectIsError) {
            s.error = new ChatChunk.UpstreamError(s.flatMessage, s.flatType, s.flatCode, null);
        }
        return new ChatChunk(s.hasChoice, s.content, s.reasoning,
                s.toolCalls == null ? List.of() : s.toolCalls, s.finishReason, s.stopReason, s.usage, s.error);
    }

    /** {@code "object":"error"}? Asked of every chunk, so the value is compared where it lies, not made a String. */
    private static boolean isError(JsonParser p) throws IOException {
        if (p.getTextLength() != 5) {
            return false;
        }
        char[] c = p.getTextCharacters();
        int o = p.getTextOffset();
        return c[o] == 'e' && c[o + 1] == 'r' && c[o + 2] == 'r' && c[o + 3] == 'o' && c[o + 4] == 'r';
    }

    private static final class State {
        boolean hasChoice;
        String content;
        String reasoning;
        List<ChatChunk.ToolCallDelta> toolCalls;
        String finishReason;
        Object stopReason;
        ChatChunk.ChatUsage usage;
        ChatChunk.UpstreamError error;
        boolean objectIsError;
        String flatMessage;
        String flatType;
        int flatCode;
        TextSpan span;
    }

    /**
     * Where the text values of a chunk's delta ({@code content}, {@code reasoning}, {@code reasoning_content}) lie,
     * as byte offsets of the parser's input: filled by {@link ChatChunkReader}'s full parse, so that it can recognize
     * the next chunk as the same bytes around another string.
     */
    static final class TextSpan {
        int values;
        /** Input offset just after the field name: only whitespace and the colon lie between it and the value. */
        long afterName;
        /** Input offset just after the string value's closing quote. */
        long afterValue;

        void reset() {
            values = 0;
        }

        void note(JsonParser p, JsonToken v, long nameEnd) {
            values++;
            if (v == JsonToken.VALUE_STRING) {
                afterName = nameEnd;
                afterValue = p.currentLocation().getByteOffset();
            } else {
                values++; // null or not a string: the chunk cannot serve as a template
            }
        }
    }

    private static void readChoices(JsonParser p, JsonToken t, State s) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        boolean first = true;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw new IOException("choices[] must hold objects");
            }
            if (!first) {
                p.skipChildren();
                continue;
            }
            first = false;
            s.hasChoice = true;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "delta", "message" -> {
                        if (v == JsonToken.START_OBJECT) {
                            readDelta(p, s);
                        } else {
                            p.skipChildren();
                        }
                    }
                    case "finish_reason" -> s.finishReason = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "stop_reason" -> s.stopReason = switch (v) {
                        case VALUE_STRING -> p.getText();
                        case VALUE_NUMBER_INT -> p.getIntValue();
                        default -> {
                            p.skipChildren();
                            yield null;
                        }
                    };
                    default -> p.skipChildren();
                }
                p.skipChildren(); // a value of the wrong kind, say an object where a number belongs, is skipped whole
            }
        }
    }

    private static void readDelta(JsonParser p, State s) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            long nameEnd = s.span == null ? 0 : p.currentLocation().getByteOffset();
            JsonToken v = p.nextToken();
            switch (name) {
                case "content" -> {
                    s.content = textOrNull(p, v);
                    noteText(p, v, s, nameEnd);
                }
                case "reasoning" -> {
                    String r = textOrNull(p, v);
                    noteText(p, v, s, nameEnd);
                    if (r != null) {
                        s.reasoning = r;
                    }
                }
                case "reasoning_content" -> {
                    String r = textOrNull(p, v);
                    noteText(p, v, s, nameEnd);
                    if (r != null && s.reasoning == null) {
                        s.reasoning = r;
                    }
                }
                case "tool_calls" -> {
                    if (v == JsonToken.START_ARRAY) {
                        readToolCalls(p, s);
                    } else {
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
        }
    }

    private static void noteText(JsonParser p, JsonToken v, State s, long nameEnd) {
        if (s.span != null) {
            s.span.note(p, v, nameEnd);
        }
    }

    private static void readToolCalls(JsonParser p, State s) throws IOException {
        int position = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw new IOException("tool_calls[] must hold objects");
            }
            int index = -1;
            String id = null;
            String name = null;
            String args = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken v = p.nextToken();
                switch (f) {
                    case "index" -> index = v == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
                    case "id" -> id = textOrNull(p, v);
                    case "function" -> {
                        if (v == JsonToken.START_OBJECT) {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String ff = p.currentName();
                                JsonToken fv = p.nextToken();
                                if ("name".equals(ff)) {
                                    name = textOrNull(p, fv);
                                } else if ("arguments".equals(ff)) {
                                    if (fv == JsonToken.START_OBJECT) {
                                        // some servers send an object instead of a string; keep it as JSON text
                                        args = Json.MAPPER.readTree(p).toString();
                                    } else {
                                        args = textOrNull(p, fv);
                                    }
                                } else {
                                    p.skipChildren();
                                }
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
                p.skipChildren(); // a value of the wrong kind, say an object where a number belongs, is skipped whole
            }
            if (s.toolCalls == null) {
                s.toolCalls = new ArrayList<>(2);
            }
            // a non-streaming message has no index: its position is the index
            s.toolCalls.add(new ChatChunk.ToolCallDelta(index >= 0 ? index : position, id, name, args));
            position++;
        }
    }

    private static ChatChunk.ChatUsage readUsage(JsonParser p) throws IOException {
        long prompt = 0;
        long completion = 0;
        long cached = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "prompt_tokens" -> prompt = v.isNumeric() ? p.getLongValue() : 0;
                case "completion_tokens" -> completion = v.isNumeric() ? p.getLongValue() : 0;
                case "prompt_tokens_details" -> {
                    if (v == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String d = p.currentName();
                            JsonToken dv = p.nextToken();
                            if ("cached_tokens".equals(d) && dv.isNumeric()) {
                                cached = p.getLongValue();
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
            p.skipChildren(); // a value of the wrong kind, say an object where a number belongs, is skipped whole
        }
        return new ChatChunk.ChatUsage(prompt, completion, cached);
    }

    private static ChatChunk.UpstreamError readError(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_STRING) {
            // {"error":"Unauthorized"} (vLLM's API-key middleware)
            return new ChatChunk.UpstreamError(p.getText(), null, 0, null);
        }
        if (t != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        String message = null;
        String type = null;
        String param = null;
        int code = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "message" -> message = v == JsonToken.VALUE_STRING ? p.getText() : asText(p, v);
                case "type" -> type = textOrNull(p, v);
                case "param" -> param = textOrNull(p, v);
                case "code" -> {
                    if (v == JsonToken.VALUE_NUMBER_INT) {
                        code = p.getIntValue();
                    } else if (v == JsonToken.VALUE_STRING) {
                        try {
                            code = Integer.parseInt(p.getText());
                        } catch (NumberFormatException e) {
                            code = 0;
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
        }
        return new ChatChunk.UpstreamError(message, type, code, param);
    }

    private static String textOrNull(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
            p.skipChildren();
            return null;
        }
        return p.getText();
    }

    private static String asText(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
            return Json.MAPPER.readTree(p).toString();
        }
        return v == JsonToken.VALUE_NULL ? null : p.getText();
    }
}
