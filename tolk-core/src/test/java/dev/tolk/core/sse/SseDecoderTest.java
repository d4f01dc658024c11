package dev.tolk.core.sse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The decoder hands a one-line event straight from the read's bytes and copies only what must outlive a read;
 * whichever path an event takes, every way of splitting the input into reads gives the same events.
 */
class SseDecoderTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n",
            "data: one\r\n\r\ndata: two\r\r",
            "data: first\ndata: second\n\ndata: x\n\n",
            ": comment\nevent: e\ndata:no-space\nid: 7\n\ndata: é€😀\n\n",
            "data: a\n\ndata: b\ndata: c\ndata: d\n\n\n\ndata: tail-without-blank-line",
            "data: \n\ndata:\n\n",
    })
    void everySplitIntoTwoOrThreeReadsGivesTheSameEvents(String input) {
        byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
        List<String> whole = decode(bytes, new int[0]);
        assertThat(whole).isNotEmpty();
        for (int i = 0; i <= bytes.length; i++) {
            assertThat(decode(bytes, new int[] {i})).as("split at %d", i).isEqualTo(whole);
            for (int j = i; j <= bytes.length; j += 3) {
                assertThat(decode(bytes, new int[] {i, j})).as("split at %d, %d", i, j).isEqualTo(whole);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 5})
    void readsOfFixedSizeGiveTheSameEventsAsOneRead(int size) {
        byte[] bytes = "data: {\"a\":1}\n\ndata: l1\ndata: l2\n\n: c\n\ndata: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
        List<Integer> cuts = new ArrayList<>();
        for (int i = size; i < bytes.length; i += size) {
            cuts.add(i);
        }
        assertThat(decode(bytes, cuts.stream().mapToInt(Integer::intValue).toArray()))
                .containsExactly("{\"a\":1}", "l1\nl2", "[DONE]");
    }

    @org.junit.jupiter.api.Test
    void lineEndFindsTheFirstCrOrLfAtEveryPositionWhateverTheBytesAround() {
        java.util.Random random = new java.util.Random(7);
        byte[] fillers = {0, 1, 9, 11, 12, 14, (byte) 0x8A, (byte) 0x8D, (byte) 0xFF, 'a', (byte) 0x0B};
        for (int round = 0; round < 2000; round++) {
            byte[] b = new byte[random.nextInt(40)];
            for (int k = 0; k < b.length; k++) {
                b[k] = fillers[random.nextInt(fillers.length)];
            }
            if (b.length > 0 && random.nextBoolean()) {
                b[random.nextInt(b.length)] = random.nextBoolean() ? (byte) '\n' : (byte) '\r';
            }
            int from = b.length == 0 ? 0 : random.nextInt(b.length);
            int expected = from;
            while (expected < b.length && b[expected] != '\n' && b[expected] != '\r') {
                expected++;
            }
            assertThat(SseDecoder.lineEnd(b, from, b.length)).as("round %d", round).isEqualTo(expected);
        }
    }

    /**
     * A listener that recognises data of the form {@code {…}} (up to the first {@code '}'}, without CR or LF) before
     * the line's end: whether the decoder takes that shortcut or not, the events are the same.
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "data: {a}\n\ndata: {b}\n\ndata: [DONE]\n\n",
            "data: {a}\r\n\r\ndata: {b}\r\rdata: {c}\n\n",
            "data: {a}\ndata: {b}\n\ndata: {c}}\n\n",
            "data: {a} tail\n\ndata:{nospace}\n\ndata: {x}\n",
            "data: {a}\n\n\n\ndata: {b}\n\n: c\n\ndata: {unterminated",
    })
    void dataRecognisedBeforeItsLineEndGivesTheSameEvents(String input) {
        byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
        List<String> scanned = decode(bytes, new int[0], false);
        List<Integer> asked = new ArrayList<>();
        assertThat(decode(bytes, new int[0], true, asked, new ArrayList<>())).isEqualTo(scanned);
        assertThat(asked).as("the listener was asked").isNotEmpty();
        for (int i = 0; i <= bytes.length; i++) {
            assertThat(decode(bytes, new int[] {i}, true)).as("split at %d", i).isEqualTo(scanned);
        }
    }

    @org.junit.jupiter.api.Test
    void onlyRecognisedDataFollowedAtOnceByABlankLineIsHandedOverAsRecognised() {
        byte[] bytes = "data: {a}\n\ndata: {b} tail\n\ndata: {c}\r\n\r\ndata: {d}\n\n".getBytes(StandardCharsets.UTF_8);
        List<String> shortcut = new ArrayList<>();
        assertThat(decode(bytes, new int[0], true, new ArrayList<>(), shortcut))
                .containsExactly("{a}", "{b} tail", "{c}", "{d}");
        assertThat(shortcut).containsExactly("{a}", "{d}");
    }

    private static List<String> decode(byte[] bytes, int[] cuts) {
        return decode(bytes, cuts, false);
    }

    private static List<String> decode(byte[] bytes, int[] cuts, boolean recognise) {
        return decode(bytes, cuts, recognise, new ArrayList<>(), new ArrayList<>());
    }

    /**
     * Feeds {@code bytes} cut at {@code cuts}, each read in a fresh array that is scribbled over after the read;
     * with {@code recognise}, the listener recognises {@code {…}} data before the line end (offsets asked go to
     * {@code asked}, the events handed over as recognised to {@code shortcut} as well).
     */
    private static List<String> decode(byte[] bytes, int[] cuts, boolean recognise, List<Integer> asked,
            List<String> shortcut) {
        List<String> events = new ArrayList<>();
        SseDecoder.Listener plain = (buf, off, len) -> events.add(new String(buf, off, len, StandardCharsets.UTF_8));
        SseDecoder.Listener braces = new SseDecoder.Listener() {
            @Override
            public void onData(byte[] buf, int off, int len) {
                plain.onData(buf, off, len);
            }

            @Override
            public void onRecognisedData(byte[] buf, int off, int len) {
                shortcut.add(new String(buf, off, len, StandardCharsets.UTF_8));
                plain.onData(buf, off, len);
            }

            @Override
            public int recognisedDataLength(byte[] buf, int off, int end) {
                asked.add(off);
                if (buf[off] != '{') {
                    return -1;
                }
                for (int i = off; i < end && buf[i] != '\n' && buf[i] != '\r'; i++) {
                    if (buf[i] == '}') {
                        return i + 1 - off;
                    }
                }
                return -1;
            }
        };
        SseDecoder d = new SseDecoder(recognise ? braces : plain);
        int from = 0;
        for (int k = 0; k <= cuts.length; k++) {
            int to = k < cuts.length ? cuts[k] : bytes.length;
            byte[] read = new byte[to - from + 4];
            System.arraycopy(bytes, from, read, 2, to - from);
            d.feed(read, 2, to - from);
            java.util.Arrays.fill(read, (byte) '#'); // the network buffer is reused after the read
            from = to;
        }
        d.finish();
        return events;
    }
}
