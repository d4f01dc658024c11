package dev.tolk.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tolk.core.openai.response.ChatChunk;
import dev.tolk.core.openai.response.ChatChunkParser;
import dev.tolk.core.openai.response.ChatChunkReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The stream's {@link ChatChunkReader} (one parser per stream, text chunks read through a template) against the
 * one-shot {@link ChatChunkParser#parse}: for every chunk of a stream both give the same chunk, or both reject it.
 * The chunks are built as a template chunk with arbitrary bytes where its text was (the template shortcut's whole
 * risk), now and then with arbitrary bytes before or after, or arbitrary bytes altogether. Before each read the
 * reader is asked whether it recognises the chunk without knowing its end; what it recognises must read the same,
 * and the text it points at must be that chunk's.
 */
class ChunkReaderFuzzTest {
    private static final String[] FIELDS = {"content", "reasoning", "reasoning_content", "role"};
    private static final String HEAD = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
            + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"";
    private static final String TAIL = "},\"logprobs\":null,\"finish_reason\":null}]}";

    @DictionaryEntries({"\"", "\\\"", "\\\\", "\\u00e9", "\\ud83c", "\",\"content\":\"", "\"},\"finish_reason\":\"stop\"",
            "null", ":", " ", "\",\"reasoning\":\"", "{", "}", "[", "]", ","})
    @FuzzTest
    void chunksAroundATemplate(FuzzedDataProvider data) {
        ChatChunkReader reader = new ChatChunkReader();
        int chunks = data.consumeInt(1, 12);
        for (int i = 0; i < chunks; i++) {
            byte[] chunk = switch (data.consumeInt(0, 9)) {
                case 0 -> data.consumeBytes(data.consumeInt(0, 300));
                case 1 -> chunk(data.pickValue(FIELDS), data.consumeBytes(data.consumeInt(0, 40)), data);
                default -> chunk(data.pickValue(FIELDS), middle(data), null);
            };
            if (data.consumeBoolean()) {
                reader.release(); // a burst ended: the next chunk is read by a new parser
            }
            if (!sameAsOneShot(reader, chunk)) {
                return; // both rejected it: a malformed chunk ends the stream
            }
        }
    }

    /** The template's bytes with {@code middle} where the text was; with {@code data}, some bytes before it too. */
    private static byte[] chunk(String field, byte[] middle, FuzzedDataProvider data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes((HEAD + field + "\":").getBytes(StandardCharsets.UTF_8));
        if (data != null) {
            b.writeBytes(data.consumeBytes(data.consumeInt(0, 8)));
        }
        b.writeBytes(middle);
        b.writeBytes(TAIL.getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    /** Mostly a well-formed string (so the template forms and is used), sometimes anything. */
    private static byte[] middle(FuzzedDataProvider data) {
        if (data.consumeBoolean()) {
            return ("\"" + data.consumeAsciiString(data.consumeInt(0, 30)).replace("\\", "\\\\").replace("\"", "\\\"")
                    + "\"").getBytes(StandardCharsets.UTF_8);
        }
        return data.consumeBytes(data.consumeInt(0, 40));
    }

    /** True when both accepted the chunk (and agreed); false when both rejected it. */
    private static boolean sameAsOneShot(ChatChunkReader reader, byte[] chunk) {
        ChatChunk expected;
        try {
            expected = ChatChunkParser.parse(chunk, 0, chunk.length);
        } catch (IOException | RuntimeException e) {
            expected = null;
        }
        // as the SSE decoder asks before it finds the line's end: what is recognised reads like the one-shot parser
        int known = reader.templateChunkLength(chunk, 0, chunk.length);
        if (known >= 0) {
            ChatChunk head;
            try {
                head = ChatChunkParser.parse(chunk, 0, known);
            } catch (IOException | RuntimeException e) {
                throw new AssertionError("recognised " + known + " bytes that do not parse: "
                        + new String(chunk, StandardCharsets.UTF_8), e);
            }
            String text = new String(chunk, reader.templateTextOffset(), reader.templateTextLength(known),
                    StandardCharsets.ISO_8859_1);
            assertThat(ChatChunk.text(text, reader.templateIsReasoning())).as("the text recognised").isEqualTo(head);
            if (known < chunk.length) {
                try {
                    assertThat(reader.read(chunk, 0, known)).isEqualTo(head);
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
        }
        ChatChunk actual;
        try {
            actual = reader.read(chunk, 0, chunk.length);
        } catch (IOException | RuntimeException e) {
            actual = null;
        }
        String shown = new String(chunk, StandardCharsets.UTF_8);
        if (expected == null) {
            assertThat(actual).as("the reader accepted what the one-shot parser rejects: %s", shown).isNull();
            return false;
        }
        if (actual == null) {
            // the reader is stricter in two ways only: UTF-8 only, and nothing but whitespace after the object
            assertThat(notUtf8(chunk) || trailsTheObject(chunk)).as("the reader rejected a valid chunk: %s", shown)
                    .isTrue();
            return false;
        }
        assertThat(actual).as("reader on %s", shown).isEqualTo(expected);
        return true;
    }

    /** Whether Jackson's encoding detection would read the chunk as something else than UTF-8 without a BOM. */
    private static boolean notUtf8(byte[] chunk) {
        for (int i = 0; i < Math.min(4, chunk.length); i++) {
            if (chunk[i] == 0) {
                return true; // UTF-16 or UTF-32
            }
        }
        return chunk.length >= 2 && ((chunk[0] & 0xff) == 0xef || (chunk[0] & 0xff) == 0xfe || (chunk[0] & 0xff) == 0xff);
    }

    /** Whether the chunk has something other than whitespace after its first complete JSON value. */
    private static boolean trailsTheObject(byte[] chunk) {
        try (var p = dev.tolk.core.json.Json.FACTORY.createParser(chunk)) {
            p.nextToken();
            p.skipChildren();
            long end = p.currentLocation().getByteOffset();
            if (end < 0) {
                return true;
            }
            for (long i = end; i < chunk.length; i++) {
                byte b = chunk[(int) i];
                if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
