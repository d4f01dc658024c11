package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The security promises that the other suites do not already prove: slow clients are cut off, the upstream's TLS
 * certificate is verified, nothing a client sends can redirect prompts, bodies over
 * the limit are refused from their declared length, and no key or prompt text ever reaches the logs.
 */
class SecuritySuiteTest {

    @Test
    void aClientThatNeverFinishesItsHeadersIsDisconnected() throws Exception {
        try (GatewayFixture f = new GatewayFixture(SimOptions.defaults(), c -> c.withHeaderTimeout(Duration.ofSeconds(1)))) {
            try (Socket s = new Socket("127.0.0.1", f.tolk.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: applic"
                        .getBytes(StandardCharsets.US_ASCII));
                long t0 = System.nanoTime();
                byte[] got = readUntilClosed(s.getInputStream());
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(ms).as("closed after the 1 s header timeout, not the 10 s read timeout").isLessThan(8_000);
                String answer = new String(got, StandardCharsets.US_ASCII);
                assertThat(answer.isEmpty() || answer.startsWith("HTTP/1.1 408")).as(answer).isTrue();
            }
            assertThat(f.sim.stats().requests()).isZero();
        }
    }

    @Test
    void aSlowNonStreamingAnswerOutlivesTheHeaderTimeout() throws Exception {
        // 1.5 s per prompt token of prefill: the upstream answers after seconds, with nothing written to the client
        try (GatewayFixture f = new GatewayFixture(SimOptions.builder().prefillMicrosPerToken(300_000).build(),
                c -> c.withHeaderTimeout(Duration.ofSeconds(1)))) {
            HttpResponse<String> r = f.post("/v1/messages",
                    "{\"model\":\"m\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"take your time\"}]}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
    }

    @Test
    void anUpstreamWithAnUntrustedCertificateIsRefused(@TempDir Path dir) throws Exception {
        Path keystore = selfSignedKeystore(dir);
        AtomicInteger reached = new AtomicInteger();
        Server https = new Server();
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(keystore.toString());
        ssl.setKeyStorePassword("changeit");
        ServerConnector connector = new ServerConnector(https, new SslConnectionFactory(ssl, "http/1.1"),
                new HttpConnectionFactory(new HttpConfiguration()));
        connector.setHost("127.0.0.1");
        https.addConnector(connector);
        https.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                  org.eclipse.jetty.util.Callback callback) {
                reached.incrementAndGet();
                response.setStatus(200);
                callback.succeeded();
                return true;
            }
        });
        https.start();
        try (TolkServer tolk = TolkServer.start(GatewayConfig.defaults(
                URI.create("https://127.0.0.1:" + connector.getLocalPort())).withPort(0).withDefaultModel("m"))) {
            var http = java.net.http.HttpClient.newHttpClient();
            HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(tolk.baseUri().resolve("/v1/messages"))
                    .header("content-type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"m\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"secret plan\"}]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(529);
            assertThat(r.body()).contains("overloaded_error").containsIgnoringCase("certificat");
            assertThat(reached).as("no request was sent over the untrusted connection").hasValue(0);
        } finally {
            https.stop();
        }
    }

    @Test
    void nothingInARequestCanRedirectItToAnotherUpstream() throws Exception {
        try (SimServer attacker = SimServer.start(SimOptions.defaults());
             GatewayFixture f = new GatewayFixture()) {
            String elsewhere = attacker.baseUri().toString();
            HttpResponse<String> r = f.post("/v1/messages?base_url=" + elsewhere + "&upstream=" + elsewhere,
                    "{\"model\":\"m\",\"max_tokens\":20,\"base_url\":\"" + elsewhere + "\",\"metadata\":{\"user_id\":\""
                            + elsewhere + "\"},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                    "x-upstream-url", elsewhere, "x-forwarded-host", "127.0.0.1:" + attacker.port(),
                    "forwarded", "host=127.0.0.1:" + attacker.port(), "anthropic-base-url", elsewhere);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(f.sim.stats().requests()).isPositive();
            assertThat(attacker.stats().requests()).isZero();
        }
    }

    @Test
    void aDeclaredLengthOverTheLimitIs413BeforeTheBodyIsRead() throws Exception {
        try (GatewayFixture f = new GatewayFixture(SimOptions.defaults(), c -> c.withMaxBodyBytes(1000))) {
            try (Socket s = new Socket("127.0.0.1", f.tolk.port())) {
                s.setSoTimeout(5_000);
                // claims 1 GB, sends 10 bytes: the answer must come at once, from the declared length alone
                s.getOutputStream().write(("POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 1000000000\r\n\r\n{\"model\":").getBytes(StandardCharsets.US_ASCII));
                String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertThat(head).isEqualTo("HTTP/1.1 413");
            }
            assertThat(f.sim.stats().requests()).isZero();
        }
    }

    @Test
    void noKeyAndNoPromptTextReachesTheLogs() throws Exception {
        String gatewayKey = "gw-key-5f3a9c";
        String wrongKey = "wrong-key-77b1e0";
        String upstreamKey = "up-key-c0ffee42";
        String prompt = "prompt-sentinel-8d2e";
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        root.addAppender(captured);
        ch.qos.logback.classic.Level before = root.getLevel();
        root.setLevel(ch.qos.logback.classic.Level.DEBUG);
        try (GatewayFixture f = new GatewayFixture(SimOptions.builder().apiKey(upstreamKey).build(),
                c -> c.withApiKeys(List.of(gatewayKey)).withUpstreamApiKey(upstreamKey))) {
            String ok = "{\"model\":\"m\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
            String streaming = ok.replace("{\"model\"", "{\"stream\":true,\"model\"");
            f.post("/v1/messages", ok, "x-api-key", gatewayKey);
            f.post("/v1/messages", streaming, "authorization", "Bearer " + gatewayKey);
            f.post("/v1/messages", ok, "x-api-key", wrongKey);
            f.post("/v1/messages", ok, "authorization", "Bearer " + wrongKey);
            f.post("/v1/messages", "{\"messages\":\"" + prompt + "\"", "x-api-key", gatewayKey); // malformed
            f.post("/v1/messages/count_tokens", ok, "x-api-key", gatewayKey);
            f.sim.loadScenario("rules: [{reply: {text: x, error: {status: 500, message: 'engine died'}}}]");
            f.post("/v1/messages", ok, "x-api-key", gatewayKey);
            f.sim.loadScenario("rules: [{reply: {text: 'a b c', chunks: 3, fault: {type: reset, afterChunks: 1}}}]");
            f.post("/v1/messages", streaming, "x-api-key", gatewayKey);
        } finally {
            root.detachAppender(captured);
            root.setLevel(before);
        }
        assertThat(captured.list).as("the gateway logs its requests").isNotEmpty();
        for (ILoggingEvent e : captured.list) {
            String text = e.getFormattedMessage() + " " + e.getMDCPropertyMap()
                    + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy()));
            assertThat(text).as(e.getLoggerName()).doesNotContain(gatewayKey).doesNotContain(wrongKey)
                    .doesNotContain(upstreamKey).doesNotContain(prompt);
        }
    }

    private static byte[] readUntilClosed(InputStream in) throws Exception {
        try {
            return in.readAllBytes();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the gateway kept the half-sent request open", e);
        } catch (java.net.SocketException e) {
            return new byte[0]; // reset: closed
        }
    }

    private static Path selfSignedKeystore(Path dir) throws Exception {
        Path ks = dir.resolve("upstream.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "upstream", "-keyalg", "EC",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(Files.size(ks)).isPositive();
        return ks;
    }
}
