package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A request body that arrives in many pieces (Claude Code's are 20-90 KB, over real networks in many segments) is
 * read whole before anything goes upstream; one cut short by a client that leaves never reaches the upstream.
 */
class RequestBodyTest {
    private static byte[] request(String body) {
        return ("POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
    }

    private static String body(int textBytes) {
        return "{\"model\":\"m\",\"max_tokens\":50,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\""
                + "é word ".repeat(textBytes / 8) + "\"}]}";
    }

    @Test
    void aLargeBodyInManyPiecesIsReadWhole() throws Exception {
        try (GatewayFixture f = new GatewayFixture(); Socket s = new Socket("127.0.0.1", f.tolk.port())) {
            f.sim.loadScenario("rules: [{reply: {text: 'got it', chunks: 2}}]");
            s.setSoTimeout(10_000);
            byte[] req = request(body(60_000));
            OutputStream out = s.getOutputStream();
            for (int off = 0; off < req.length; off += 3_000) { // 21 pieces, each after the gateway read the last
                out.write(req, off, Math.min(3_000, req.length - off));
                out.flush();
                Thread.sleep(5);
            }
            String answer = readAll(s.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 200").contains("\"stop_reason\":\"end_turn\"").contains("message_stop");
        }
    }

    @Test
    void aBodyCutShortByALeavingClientNeverGoesUpstream() throws Exception {
        try (GatewayFixture f = new GatewayFixture()) {
            byte[] req = request(body(100_000));
            for (int i = 0; i < 20; i++) {
                try (Socket s = new Socket("127.0.0.1", f.tolk.port())) {
                    s.getOutputStream().write(req, 0, req.length / 2 + i * 997);
                    Thread.sleep(10);
                }
            }
            Thread.sleep(200);
            assertThat(f.sim.stats().requests()).isZero();
            assertThat(f.get("/metrics").body()).doesNotContain("status=\"500\"");
            // and the gateway answers the next request normally
            var r = f.post("/v1/messages", "{\"model\":\"m\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"ok?\"}]}");
            assertThat(r.statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> f.sim.stats().active() == 0);
        }
    }

    private static String readAll(InputStream in) throws Exception {
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[8192];
        while (!sb.toString().contains("event: message_stop")) {
            int n = in.read(buf);
            assertThat(n).as("closed after: %s", sb).isPositive();
            sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        return sb.toString();
    }
}
