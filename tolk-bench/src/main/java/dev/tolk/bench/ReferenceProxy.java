package dev.tolk.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * HAProxy in front of the simulator, forwarding the direct (OpenAI) request over pooled keep-alive connections and
 * translating nothing: a hop whose cost is close to what any hop costs on this machine. Its 50-stream rate next to
 * direct and Tolk's shows how much of Tolk's ratio is the hop itself (the load generator, the simulator and the
 * proxy share the cores) and how much is translation. Optional: without an {@code haproxy} binary it is skipped.
 */
final class ReferenceProxy implements AutoCloseable {
    private final ManagedProcess process;
    private final int port;

    private ReferenceProxy(ManagedProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The installed HAProxy's name and version ("HAProxy 2.6.12"), or empty when there is none. */
    static Optional<String> installedVersion() {
        try {
            Process p = new ProcessBuilder("haproxy", "-v").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return Optional.empty();
            }
            String first = out.lines().findFirst().orElse("").trim();
            String[] words = first.split(" ");
            return first.startsWith("HAProxy version ") && words.length > 2
                    ? Optional.of("HAProxy " + words[2].split("-")[0]) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * Starts HAProxy on a free 127.0.0.1 port, forwarding to the simulator: HTTP mode (it parses both messages, as a
     * gateway must), keep-alive on both sides with upstream connections reused, and as many threads as the machine
     * has cores, which measured best on 2 cores (0.65x of direct against 0.61x with one thread). {@code maxconn}
     * stays small (50 streams need 100 sockets): HAProxy refuses to start when the open-file limit is below what
     * it would need for {@code maxconn}.
     */
    static ReferenceProxy start(int simPort, Path workDir) throws IOException {
        int port = FreePort.pick();
        Path config = workDir.resolve("haproxy.cfg");
        Files.createDirectories(workDir);
        Files.writeString(config, """
                global
                    nbthread %d
                    maxconn 256
                defaults
                    mode http
                    timeout connect 5s
                    timeout client 60s
                    timeout server 60s
                    option http-keep-alive
                    http-reuse always
                frontend bench
                    bind 127.0.0.1:%d
                    default_backend sim
                backend sim
                    server sim 127.0.0.1:%d
                """.formatted(Runtime.getRuntime().availableProcessors(), port, simPort));
        // -db: stay in the foreground, so the process is ours to measure and stop
        ManagedProcess p = ManagedProcess.start(List.of("haproxy", "-db", "-f", config.toString()),
                workDir.resolve("haproxy.log"), line -> false);
        ReferenceProxy proxy = new ReferenceProxy(p, port);
        try {
            SimControl.awaitUp(port, Duration.ofSeconds(10)); // a simulator answer through the proxy: it forwards
            return proxy;
        } catch (IOException e) {
            proxy.close();
            throw new IOException("HAProxy did not forward to the simulator; see " + p.log(), e);
        }
    }

    Endpoint endpoint(byte[] openAiBody) {
        return Endpoint.direct(port, openAiBody).named("haproxy");
    }

    ManagedProcess process() {
        return process;
    }

    @Override
    public void close() {
        process.close();
    }
}
