package dev.tolk.core.translate;

import static dev.tolk.core.translate.StreamHarness.DONE;
import static dev.tolk.core.translate.StreamHarness.ROLE;
import static dev.tolk.core.translate.StreamHarness.chunk;
import static dev.tolk.core.translate.StreamHarness.facts;
import static dev.tolk.core.translate.StreamHarness.finish;
import static dev.tolk.core.translate.StreamHarness.usage;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * However the network splits vLLM's bytes — inside JSON strings, inside multi-byte UTF-8 characters, between CR
 * and LF — the translated stream is byte-for-byte the same; and generated chunk sequences always keep the
 * block invariants.
 */
class StreamSplitPropertyTest {
    private static final String UPSTREAM = String.join("", List.of(
            "data: ", ROLE, "\r\n\r\n",
            "data: ", chunk("{\"reasoning\":\"Ünïcødé 思考 🤔\"}"), "\n\n",
            ": keep-alive comment\n\n",
            "data: ", chunk("{\"content\":\"Grüße, 世界! 🌍\"}"), "\r\n\r\n",
            "data: ", chunk("{\"tool_calls\":[{\"id\":\"chatcmpl-tool-1\",\"type\":\"function\",\"index\":0,\"function\":{\"name\":\"Bash\"}}]}"), "\n\n",
            "data: ", chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"command\\\": \\\"echo é🎉\\\"}\"}}]}"), "\r\r",
            "data: ", finish("tool_calls", "null"), "\n\n",
            "data: ", usage(100, 20, 32), "\n\n",
            "data: ", DONE, "\n\n"));
    private static final byte[] BYTES = UPSTREAM.getBytes(StandardCharsets.UTF_8);
    private static final String EXPECTED = StreamHarness.translate(facts(), BYTES, new int[0]);

    @Property(tries = 300)
    void anySplitOfTheUpstreamBytesGivesTheSameOutput(@ForAll("cuts") int[] cuts) {
        assertThat(StreamHarness.translate(facts(), BYTES, cuts)).isEqualTo(EXPECTED);
    }

    @Property(tries = 50)
    void everySingleByteSplitGivesTheSameOutput(@ForAll @IntRange(min = 1, max = 1) int step) {
        int[] all = new int[BYTES.length - 1];
        for (int i = 0; i < all.length; i++) {
            all[i] = i + step;
        }
        assertThat(StreamHarness.translate(facts(), BYTES, all)).isEqualTo(EXPECTED);
    }

    @Provide
    Arbitrary<int[]> cuts() {
        return Arbitraries.integers().between(1, BYTES.length - 1).set().ofMaxSize(40)
                .map(s -> new TreeSet<>(s).stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * Text chunks of any text: most are recognised before their line end when the stream comes in one read (plain
     * ASCII text in a chunk like the last), none when it comes a byte per read; the output is the same, and it holds
     * the text that was sent.
     */
    @Property(tries = 300)
    void textChunksTranslateTheSameInOneReadAndByteByByte(@ForAll("texts") List<String> texts) throws Exception {
        StringBuilder up = new StringBuilder(StreamHarness.vllm(ROLE));
        for (String t : texts) {
            up.append(StreamHarness.vllm(chunk("{\"content\":" + dev.tolk.core.json.Json.MAPPER.writeValueAsString(t) + "}")));
        }
        up.append(StreamHarness.vllm(finish("stop", "null"), DONE));
        byte[] bytes = up.toString().getBytes(StandardCharsets.UTF_8);
        String whole = StreamHarness.translate(facts(), bytes, new int[0]);
        int[] everyByte = new int[bytes.length - 1];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        assertThat(StreamHarness.translate(facts(), bytes, everyByte)).isEqualTo(whole);
        StringBuilder got = new StringBuilder();
        for (var block : StreamHarness.accumulate(whole).content()) {
            got.append(block.asText().text());
        }
        assertThat(got.toString()).isEqualTo(String.join("", texts).stripLeading());
    }

    /** Reasoning and content chunks mixed, thinking requested or not: the same whole and byte by byte. */
    @Property(tries = 300)
    void reasoningAndTextChunksTranslateTheSameInOneReadAndByteByByte(@ForAll("texts") List<String> texts,
                                                                      @ForAll boolean thinking) throws Exception {
        StringBuilder up = new StringBuilder(StreamHarness.vllm(ROLE));
        int i = 0;
        for (String t : texts) {
            String field = (i++ / 3) % 2 == 0 ? "reasoning" : "content"; // runs of three of each kind
            up.append(StreamHarness.vllm(chunk("{\"" + field + "\":" + dev.tolk.core.json.Json.MAPPER.writeValueAsString(t) + "}")));
        }
        up.append(StreamHarness.vllm(finish("stop", "null"), DONE));
        byte[] bytes = up.toString().getBytes(StandardCharsets.UTF_8);
        var facts = StreamHarness.facts(thinking, List.of(), false);
        String whole = StreamHarness.translate(facts, bytes, new int[0]);
        int[] everyByte = new int[bytes.length - 1];
        for (int k = 0; k < everyByte.length; k++) {
            everyByte[k] = k + 1;
        }
        assertThat(StreamHarness.translate(facts, bytes, everyByte)).isEqualTo(whole);
        StreamHarness.accumulate(whole); // a well-formed stream for the SDK (signatures included)
    }

    @Provide
    Arbitrary<List<String>> texts() {
        return Arbitraries.oneOf(
                        Arbitraries.of("a", "b", " ", "\"", "\\", "/", "{", "}", "~", "\u0001", "\u007f", "é", "🎉", "\n", "\t")
                                .list().ofMaxSize(8).map(l -> String.join("", l)),
                        Arbitraries.strings().ascii().ofMaxLength(12),
                        Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(12))
                .list().ofMaxSize(16);
    }

    @Property(tries = 300)
    void generatedChunkSequencesKeepTheBlockInvariants(@ForAll("sequences") List<String> deltas) throws Exception {
        StringBuilder up = new StringBuilder(StreamHarness.vllm(ROLE));
        for (String d : deltas) {
            up.append(StreamHarness.vllm(chunk(d)));
        }
        up.append(StreamHarness.vllm(finish("stop", "null"), DONE));
        String sse = StreamHarness.translate(facts(), up.toString());
        List<String> labels = StreamHarness.labels(sse);
        assertThat(labels.get(0)).isEqualTo("message_start");
        assertThat(labels).endsWith("message_delta", "message_stop");
        int depth = 0;
        for (String l : labels) {
            if (l.endsWith("_start") && !l.equals("message_start")) {
                depth++;
                assertThat(depth).isEqualTo(1);
            } else if (l.equals("block_stop")) {
                depth--;
                assertThat(depth).isZero();
            }
        }
        var message = StreamHarness.accumulate(sse);
        for (var block : message.content()) {
            if (block.isToolUse()) {
                assertThat(block.asToolUse()._input().asObject()).isPresent();
            }
            if (block.isText()) {
                assertThat(block.asText().text()).isNotBlank();
            }
        }
    }

    @Provide
    Arbitrary<List<String>> sequences() {
        Arbitrary<String> text = Arbitraries.of("Hi", " there", "\\n\\n", " ", "é", "🎉", "{", "<tool");
        Arbitrary<String> content = text.map(t -> "{\"content\":\"" + t + "\"}");
        Arbitrary<String> reasoning = text.map(t -> "{\"reasoning\":\"" + t + "\"}");
        Arbitrary<String> tool = Combinators.combine(Arbitraries.integers().between(0, 3),
                Arbitraries.of("{\\\"a\\\":1}", "{\\\"a\\\":", "1}", "", "garbage"), Arbitraries.of(true, false))
                .as((i, args, named) -> "{\"tool_calls\":[{\"index\":" + i + (named ? ",\"id\":\"id" + i
                        + "\",\"type\":\"function\",\"function\":{\"name\":\"Bash\",\"arguments\":\""
                        : ",\"function\":{\"arguments\":\"") + args + "\"}}]}");
        return Arbitraries.oneOf(content, reasoning, tool).list().ofMaxSize(12);
    }
}
