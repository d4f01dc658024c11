package dev.tolk.core.sse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.core.json.Json;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Delta events are written without Jackson when their text is plain ASCII, byte for byte what Jackson writes; every
 * other text still goes through Jackson. For every text, kind and index the event is one line of the right JSON.
 */
class SseWriterTest {

    @Property(tries = 500)
    void aDeltaIsWhatJacksonWritesForItsEvent(@ForAll("texts") String text, @ForAll @IntRange(min = 0, max = 70) int index,
                                              @ForAll("kinds") String kind) throws Exception {
        SseOutput out = new SseOutput(8);
        SseWriter w = new SseWriter(out, null);
        w.contentBlockStop(3); // an event through Jackson before: nothing of it may be left behind
        int before = out.size();
        String field = switch (kind) {
            case "text_delta" -> { w.textDelta(index, text); yield "text"; }
            case "thinking_delta" -> { w.thinkingDelta(index, text); yield "thinking"; }
            case "signature_delta" -> { w.signatureDelta(index, text); yield "signature"; }
            default -> { w.inputJsonDelta(index, text); yield "partial_json"; }
        };
        w.release();
        ObjectNode event = Json.MAPPER.createObjectNode().put("type", "content_block_delta").put("index", index);
        event.putObject("delta").put("type", kind).put(field, text);
        String written = out.toString().substring(before);
        assertThat(written).startsWith("event: content_block_delta\ndata: {").endsWith("}\n\n");
        String data = written.substring("event: content_block_delta\ndata: ".length(), written.length() - 2);
        assertThat(data).doesNotContain("\n", "\r");
        assertThat(Json.MAPPER.readTree(data)).isEqualTo(event);
        if (text.chars().allMatch(c -> c >= ' ' && c <= 0x7F)) { // Jackson's exact bytes (non-ASCII it may escape)
            assertThat(data).isEqualTo(Json.MAPPER.writeValueAsString(event));
        }
        assertThat(out.toString()).startsWith("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":3}\n\n");
    }

    /** A delta handed over as plain bytes is the same event as the one handed over as a string. */
    @Property(tries = 300)
    void aPlainDeltaIsTheSameEventAsItsString(@ForAll("plain") String text, @ForAll @IntRange(min = 0, max = 70) int index,
                                              @ForAll boolean thinking) {
        SseOutput fromString = new SseOutput(8);
        SseOutput fromBytes = new SseOutput(8);
        byte[] bytes = ("<<" + text + ">>").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (thinking) {
            new SseWriter(fromString, null).thinkingDelta(index, text);
            new SseWriter(fromBytes, null).plainThinkingDelta(index, bytes, 2, text.length());
        } else {
            new SseWriter(fromString, null).textDelta(index, text);
            new SseWriter(fromBytes, null).plainTextDelta(index, bytes, 2, text.length());
        }
        assertThat(fromBytes.toString()).isEqualTo(fromString.toString());
    }

    @Provide
    Arbitrary<String> plain() {
        return Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(20)
                .filter(s -> s.indexOf('"') < 0 && s.indexOf('\\') < 0);
    }

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.oneOf(Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(20),
                Arbitraries.strings().ascii().ofMaxLength(20),
                Arbitraries.of("a", " ", "\"", "\\", "/", "\u0000", "\u001f", "\u007f", "\u0080", "é", "€", "🎉", "\n",
                        "\r", "\t", "<", "&", "'").list().ofMaxSize(10).map(l -> String.join("", l)));
    }

    @Provide
    Arbitrary<String> kinds() {
        return Arbitraries.of("text_delta", "thinking_delta", "signature_delta", "input_json_delta");
    }
}
