package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * One client connection carries request after request: when a stream ends (on the upstream client's thread, which
 * then reads the connection's next request itself), the next request is served whether it was already sent
 * (pipelined, waiting in the connection's buffer) or arrives later.
 */
class KeepAliveTest {
    private static final String BODY =
            "{\"model\":\"m\",\"max_tokens\":50,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String REQUEST = "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + "Content-Length: " + BODY.length() + "\r\n\r\n" + BODY;

    @Test
    void pipelinedAndLaterRequestsOnOneConnectionAreAllAnswered() throws Exception {
        try (GatewayFixture f = new GatewayFixture(); Socket s = new Socket("127.0.0.1", f.tolk.port())) {
            s.setSoTimeout(10_000);
            f.sim.loadScenario("rules: [{reply: {text: 'one two three four', chunks: 4}}]");
            InputStream in = new BufferedInputStream(s.getInputStream());
            s.getOutputStream().write((REQUEST + REQUEST + REQUEST).getBytes(StandardCharsets.UTF_8)); // pipelined
            for (int i = 0; i < 3; i++) {
                assertCompleteStream(readResponse(in));
            }
            for (int i = 0; i < 20; i++) { // one at a time: each arrives after the previous stream ended
                s.getOutputStream().write(REQUEST.getBytes(StandardCharsets.UTF_8));
                assertCompleteStream(readResponse(in));
            }
        }
    }

    private static void assertCompleteStream(String body) {
        assertThat(body).startsWith("event: message_start").contains("\"stop_reason\":\"end_turn\"")
                .endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    }

    /** One HTTP/1.1 response's body, framed by Content-Length or the chunked encoding. */
    private static String readResponse(InputStream in) throws IOException {
        assertThat(line(in)).isEqualTo("HTTP/1.1 200 OK");
        long length = -1;
        boolean chunked = false;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            String lower = h.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (int size = Integer.parseInt(line(in).trim(), 16); size > 0; size = Integer.parseInt(line(in).trim(), 16)) {
                body.write(in.readNBytes(size));
                assertThat(line(in)).isEmpty();
            }
            assertThat(line(in)).isEmpty();
        } else {
            assertThat(length).as("a framed response").isPositive();
            body.write(in.readNBytes((int) length));
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            assertThat(b).as("connection closed after: %s", sb).isNotNegative();
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }
}
