package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The thread-less stream relay: pings while the upstream is silent, upstream faults become an error event. */
class StreamRelayTest {
    private static GatewayFixture f;

    @BeforeAll
    static void start() {
        f = new GatewayFixture();
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    private static String stream(String scenario) throws Exception {
        f.sim.loadScenario(scenario);
        var r = f.post("/v1/messages", "{\"model\":\"m\",\"max_tokens\":100,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    @Test
    void aSilentUpstreamGetsPingsAndTheStreamStillCompletes() throws Exception {
        String body = stream("rules: [{reply: {text: 'a b c', chunks: 3, fault: {type: stall, afterChunks: 1, seconds: 2.5}}}]");
        assertThat(body).startsWith("event: message_start").contains("event: ping").endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    }

    @Test
    void anUpstreamResetMidStreamBecomesAnErrorEvent() throws Exception {
        String body = stream("rules: [{reply: {text: 'a b c d', chunks: 4, fault: {type: reset, afterChunks: 2}}}]");
        assertThat(body).startsWith("event: message_start").contains("event: error").contains("api_error")
                .doesNotContain("message_stop");
        await().atMost(Duration.ofSeconds(3)).until(() -> f.sim.stats().active() == 0);
    }

    @Test
    void anUpstreamEndWithoutDoneBecomesAnErrorEvent() throws Exception {
        String body = stream("rules: [{reply: {text: 'a b c d', chunks: 4, fault: {type: eof, afterChunks: 2}}}]");
        assertThat(body).contains("event: error").doesNotContain("message_stop");
    }

    @Test
    void bytesTrickledOneAtATimeAreReassembled() throws Exception {
        String body = stream("rules: [{reply: {text: 'héllo wörld ✓', chunks: 3, fault: {type: trickle}}}]");
        assertThat(body).contains("message_stop");
        StringBuilder text = new StringBuilder();
        var m = java.util.regex.Pattern.compile("\"text_delta\",\"text\":\"([^\"]*)\"").matcher(body);
        while (m.find()) {
            text.append(m.group(1));
        }
        assertThat(text.toString()).isEqualTo("héllo wörld ✓");
    }
}
