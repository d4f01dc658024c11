package dev.tolk.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SIGTERM while a stream is open: new connections are refused, the stream ends with an error event, exit code 0. */
class GracefulShutdownTest {
    @Test
    void sigtermEndsOpenStreamsAfterTheGracePeriodAndExitsZero() throws Exception {
        try (SimServer sim = SimServer.start(SimOptions.defaults())) {
            sim.loadScenario("rules: [{reply: {text: '" + "word ".repeat(300) + "', chunks: 300, chunkDelayMs: 50}}]");
            Path config = Files.createTempFile("tolk", ".yaml");
            Files.writeString(config, "shutdown-grace-seconds: 1\n");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process gw = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    "dev.tolk.server.cli.TolkMain", "serve", "--upstream", sim.baseUri().toString(), "--port", "0",
                    "--config", config.toString(), "--db", "none").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader ready = new BufferedReader(new InputStreamReader(gw.getInputStream(), StandardCharsets.UTF_8));
            String line = ready.readLine();
            assertThat(line).startsWith("Tolk listening on http://127.0.0.1:");
            int port = Integer.parseInt(line.replaceAll("^Tolk listening on http://127\\.0\\.0\\.1:(\\d+) .*$", "$1"));

            try (Socket s = new Socket("127.0.0.1", port)) {
                String body = "{\"model\":\"m\",\"max_tokens\":2000,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}";
                s.getOutputStream().write(("POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                InputStream in = s.getInputStream();
                byte[] first = in.readNBytes(600);
                assertThat(new String(first, StandardCharsets.UTF_8)).contains("event: message_start");

                gw.destroy(); // SIGTERM
                Thread.sleep(300);
                assertThatThrownBy(() -> {
                    try (Socket again = new Socket("127.0.0.1", port)) {
                        again.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.UTF_8));
                        if (again.getInputStream().read() < 0) {
                            throw new java.io.IOException("closed");
                        }
                    }
                }).as("no new connections once shutting down").isInstanceOf(java.io.IOException.class);

                String rest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertThat(rest).contains("event: error").contains("shutting down").doesNotContain("event: message_stop");
            }
            assertThat(gw.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(gw.exitValue()).isZero();
        }
    }
}
