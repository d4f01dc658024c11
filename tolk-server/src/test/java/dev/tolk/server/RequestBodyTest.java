package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import dev.tolk.sim.SimOptions;
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

    @Test
    void aChunkedBodyIsReadWholeAndOneOverTheLimitIs413() throws Exception {
        try (GatewayFixture f = new GatewayFixture(SimOptions.defaults(), c -> c.withMaxBodyBytes(20_000))) {
            f.sim.loadScenario("rules: [{reply: {text: 'got it', chunks: 2}}]");
            assertThat(chunked(f, body(15_000))).startsWith("HTTP/1.1 200").contains("message_stop");
            long upstreamRequests = f.sim.stats().requests();
            assertThat(chunked(f, body(30_000))).startsWith("HTTP/1.1 413").contains("request_too_large")
                    .contains("exceeds the limit of 20000 bytes");
            assertThat(f.sim.stats().requests()).isEqualTo(upstreamRequests);
        }
    }

    /** Sends {@code body} chunked (no Content-Length) in 4 KB chunks and returns the answer's head and body. */
    private static String chunked(GatewayFixture f, String body) throws Exception {
        try (Socket s = new Socket("127.0.0.1", f.tolk.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            for (int off = 0; off < bytes.length; off += 4096) {
                int n = Math.min(4096, bytes.length - off);
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(bytes, off, n);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            try {
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.net.SocketException e) {
                return ""; // reset after the answer: what was read is lost
            }
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
