package dev.tolk.core.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.core.sse.SseDecoder;
import dev.tolk.core.sse.SseOutput;
import dev.tolk.core.support.SseFrames;
import dev.tolk.core.translate.stream.UpstreamStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An upstream event over {@link SseDecoder#MAX_EVENT_BYTES} ends the stream with an error event, never an exception. */
class OversizedUpstreamEventTest {

    @Test
    void anEventThatOutgrowsTheLimitOnItsUnterminatedLastLineAtEofIsAnErrorEvent() {
        byte[] half = new byte[SseDecoder.MAX_EVENT_BYTES / 2 + 1];
        Arrays.fill(half, (byte) 'a');
        UpstreamStream s = new UpstreamStream(StreamHarness.facts(), "msg_big", "req_big", 1);
        SseOutput out = new SseOutput();
        s.start(out);
        feed(s, "data: ", out);
        s.feed(half, 0, half.length, out);
        feed(s, "\ndata: ", out);
        s.feed(half, 0, half.length, out); // no line end: the decoder only sees the size at EOF

        s.end(out);

        List<SseFrames.Frame> frames = SseFrames.parse(out.toString());
        assertThat(s.isTerminated()).isTrue();
        assertThat(frames.get(0).event()).isEqualTo("message_start");
        assertThat(frames.get(frames.size() - 1).event()).isEqualTo("error");
        assertThat(frames.get(frames.size() - 1).data()).contains("api_error").contains("larger than");
    }

    private static void feed(UpstreamStream s, String text, SseOutput out) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        s.feed(b, 0, b.length, out);
    }
}
