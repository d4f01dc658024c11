package dev.tolk.core.openai.response;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@link ChatChunkReader} must give, chunk by chunk, exactly what the one-shot {@link ChatChunkParser#parse} gives
 * for the same bytes (or fail where it fails): its template shortcut is only an optimization. The chunks here are
 * made to look like the template with something other than a single string where the text was.
 */
class ChatChunkReaderTest {
    private static final String HEAD = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
            + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{";
    private static final String TAIL = "},\"logprobs\":null,\"finish_reason\":null}]}";

    private static String text(String field, String jsonValue) {
        return HEAD + "\"" + field + "\":" + jsonValue + TAIL;
    }

    private static int recognised;

    /**
     * Feeds the chunks in order to one reader and compares each result with the one-shot parser's; before each read
     * the reader is asked whether it recognises the chunk without knowing its end, as the SSE decoder does, and the
     * text it then points at must be the chunk the one-shot parser reads.
     */
    private static ChatChunkReader assertSameAsOneShot(List<String> chunks) {
        ChatChunkReader reader = new ChatChunkReader();
        int i = 0;
        for (String c : chunks) {
            if (i++ % 3 == 2) {
                reader.release(); // as between two bursts of a stream: the next chunk gets a new parser
            }
            // the chunk sits inside a bigger array, as in a network read
            byte[] raw = ("xx" + c + "yy").getBytes(StandardCharsets.UTF_8);
            int len = raw.length - 4;
            ChatChunk expected;
            try {
                expected = ChatChunkParser.parse(raw, 2, len);
            } catch (IOException | RuntimeException e) {
                expected = null;
            }
            // as the SSE decoder asks before it looks for the line's end: a chunk recognised is recognised exactly
            int known = reader.templateChunkLength(raw, 2, raw.length);
            if (known >= 0) {
                assertThat(known).as("length of %s recognised before its end", c).isEqualTo(len);
                assertThat(recognisedChunk(reader, raw, 2, known)).as("recognised %s", c).isEqualTo(expected);
                recognised++;
            }
            ChatChunk actual;
            try {
                actual = reader.read(raw, 2, len);
            } catch (IOException | RuntimeException e) {
                actual = null;
            }
            if (expected == null || actual == null) {
                assertThat(actual).as("reader on %s (the one-shot parser failed: %s)", c, expected == null).isNull();
                return reader; // a malformed chunk ends the stream; the reader is not used after it
            }
            assertThat(actual).as("reader on %s", c).isEqualTo(expected);
        }
        return reader;
    }

    @Test
    void aStreamOfTextChunksReadsLikeTheOneShotParser() {
        List<String> chunks = new ArrayList<>();
        chunks.add(text("role\":\"assistant\",\"content", "\"\""));
        for (String t : List.of("\"Hello\"", "\" world\"", "\"\\\"quoted\\\"\"", "\"\\u00e9\\ud83c\\udf89\"", "\"é🎉\"",
                "\"\"", "\"a\\\\\"", "\"\\n\\t\"")) {
            chunks.add(text("content", t));
        }
        chunks.add(HEAD + "},\"logprobs\":null,\"finish_reason\":\"stop\",\"stop_reason\":null}]}");
        chunks.add("{\"id\":\"chatcmpl-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":9}}");
        assertThat(assertSameAsOneShot(chunks).templateHits()).as("text chunks after the first read as the template")
                .isEqualTo(7);
    }

    @Test
    void textChunksInPlainAsciiAreRecognisedBeforeTheirEnd() {
        recognised = 0;
        assertSameAsOneShot(List.of(text("content", "\"Hello\""), text("content", "\" world\""),
                text("content", "\"\\\"quoted\\\"\""), text("content", "\"é\""), text("content", "\"!\"")));
        assertThat(recognised).as("' world' and '!'; escaped and non-ASCII text is read to its known end").isEqualTo(2);
    }

    @Test
    void plainAsciiTextChunksAreRecognisedBeforeTheirEndAndNothingElseIs() {
        ChatChunkReader reader = new ChatChunkReader();
        byte[] first = text("content", "\"Hello\"").getBytes(StandardCharsets.UTF_8);
        assertThat(reader.templateChunkLength(first, 0, first.length)).as("no template yet").isEqualTo(-1);
        readAll(reader, first);
        String next = text("content", "\" world, 42 ~ /ok/\"");
        byte[] stream = (next + "\n\ndata: more").getBytes(StandardCharsets.UTF_8);
        assertThat(reader.templateChunkLength(stream, 0, stream.length)).isEqualTo(next.length());
        assertThat(recognisedChunk(reader, stream, 0, next.length()).content()).isEqualTo(" world, 42 ~ /ok/");
        assertThat(readAll(reader, stream, next.length()).content()).isEqualTo(" world, 42 ~ /ok/");
        for (String notPlain : List.of("\"a\\\"b\"", "\"é\"", "\"a\\nb\"", "\"" + "\u0001" + "\"", "\"a\"\"b\"", "null")) {
            byte[] b = (text("content", notPlain) + "\n\n").getBytes(StandardCharsets.UTF_8);
            assertThat(reader.templateChunkLength(b, 0, b.length)).as(notPlain).isEqualTo(-1);
        }
        byte[] cut = text("content", "\"cut short\"").substring(0, 150).getBytes(StandardCharsets.UTF_8);
        assertThat(reader.templateChunkLength(cut, 0, cut.length)).as("the chunk's end is not in the input")
                .isEqualTo(-1);
        byte[] reasoning = text("reasoning", "\"think\"").getBytes(StandardCharsets.UTF_8);
        assertThat(reader.templateChunkLength(reasoning, 0, reasoning.length)).as("another field").isEqualTo(-1);
    }

    @Test
    void aTemplateThatSpansLinesIsNotRecognisedBeforeTheEnd() throws IOException {
        ChatChunkReader reader = new ChatChunkReader();
        String twoLines = HEAD.replace(",\"object\"", ",\n\"object\"");
        readAll(reader, (twoLines + "\"content\":\"a\"" + TAIL).getBytes(StandardCharsets.UTF_8));
        byte[] b = (twoLines + "\"content\":\"b\"" + TAIL).getBytes(StandardCharsets.UTF_8);
        assertThat(reader.templateChunkLength(b, 0, b.length)).isEqualTo(-1);
        assertThat(reader.read(b, 0, b.length).content()).isEqualTo("b");
        assertThat(reader.templateHits()).as("still read through the template once its end is known").isEqualTo(1);
    }

    @Test
    void recognisingAChunkRemembersNothing() throws IOException {
        ChatChunkReader reader = new ChatChunkReader();
        readAll(reader, text("content", "\"seed\"").getBytes(StandardCharsets.UTF_8));
        byte[] buf = text("content", "\"Hello\"").getBytes(StandardCharsets.UTF_8);
        assertThat(reader.templateChunkLength(buf, 0, buf.length)).isEqualTo(buf.length);
        byte[] other = text("content", "\"World\"").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(other, 0, buf, 0, buf.length); // a new read into the same network buffer
        assertThat(reader.read(buf, 0, buf.length).content()).isEqualTo("World");
        byte[] reasoning = text("reasoning", "\"hmm\"").getBytes(StandardCharsets.UTF_8);
        readAll(reader, reasoning);
        assertThat(reader.templateChunkLength(buf, 0, buf.length)).as("the template is now reasoning's").isEqualTo(-1);
        byte[] more = text("reasoning", "\"ok then\"").getBytes(StandardCharsets.UTF_8);
        int known = reader.templateChunkLength(more, 0, more.length);
        assertThat(recognisedChunk(reader, more, 0, known)).isEqualTo(ChatChunk.text("ok then", true));
    }

    /** The chunk the gateway builds from what {@link ChatChunkReader#templateChunkLength} recognised. */
    private static ChatChunk recognisedChunk(ChatChunkReader reader, byte[] buf, int off, int known) {
        String text = new String(buf, off + reader.templateTextOffset(), reader.templateTextLength(known),
                StandardCharsets.ISO_8859_1);
        return ChatChunk.text(text, reader.templateIsReasoning());
    }

    private static ChatChunk readAll(ChatChunkReader reader, byte[] b) {
        return readAll(reader, b, b.length);
    }

    private static ChatChunk readAll(ChatChunkReader reader, byte[] b, int len) {
        try {
            return reader.read(b, 0, len);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void reasoningChunksUseTheirOwnTemplate() {
        assertThat(assertSameAsOneShot(List.of(text("reasoning", "\"Let me\""), text("reasoning", "\" think\""),
                text("reasoning_content", "\"other field\""), text("content", "\"answer\""),
                text("content", "\"more\""))).templateHits()).isEqualTo(2);
    }

    @Test
    void whatIsNotOneStringWhereTheTextWasIsReadInFull() {
        List<String> tricks = List.of(
                "\"a\",\"content\":\"b\"",          // a second content field: the last one wins
                "\"a\",\"reasoning\":\"b\"",        // a text and a reasoning
                "\"a\"},\"finish_reason\":\"stop\",\"x\":{\"y\":\"z\"", // closes the delta, sets a finish reason
                "null", "5", "\"a\" ", " \"a\"", "\"a", "\"a\\\"", "\"\\x\"", "\"a\"\"b\"", "\"a\",\"b\"",
                "\"\\ud800\"", "{\"a\":1}", "[\"a\"]", "\"" + "\u0001" + "\"");
        for (String t : tricks) {
            assertSameAsOneShot(List.of(text("content", "\"first\""), text("content", "\"second\""),
                    text("content", t), text("content", "\"after\"")));
        }
    }

    @Test
    void trailingGarbageAfterTheObjectIsAnError() throws IOException {
        ChatChunkReader reader = new ChatChunkReader();
        byte[] ok = (text("content", "\"a\"") + "  \n").getBytes(StandardCharsets.UTF_8);
        assertThat(reader.read(ok, 0, ok.length).content()).isEqualTo("a");
        byte[] bad = (text("content", "\"b\"") + " x").getBytes(StandardCharsets.UTF_8);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> reader.read(bad, 0, bad.length))
                .isInstanceOf(IOException.class).hasMessageContaining("after the chunk");
    }

    /** Random texts, and random bytes where the text was: the reader agrees with the one-shot parser every time. */
    @Property(tries = 400)
    void anyBytesWhereTheTextWasReadLikeTheOneShotParser(@ForAll("values") List<String> values) {
        List<String> chunks = new ArrayList<>();
        chunks.add(text("content", "\"seed\""));
        for (String v : values) {
            chunks.add(text("content", v));
        }
        assertSameAsOneShot(chunks);
    }

    @Provide
    Arbitrary<List<String>> values() {
        Arbitrary<String> strings = Arbitraries.strings().withChars("ab\"\\/ué🎉\n{}[],:u0123456789tnrf ")
                .ofMaxLength(12);
        Arbitrary<String> quoted = strings.map(s -> "\"" + s + "\"");
        Arbitrary<String> escaped = Arbitraries.strings().alpha().ofMaxLength(8)
                .map(s -> "\"" + s.replace("a", "\\\"").replace("b", "\\\\").replace("c", "\\u00e9") + "\"");
        return Arbitraries.oneOf(quoted, escaped, strings).list().ofMaxSize(8);
    }
}
