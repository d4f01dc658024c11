package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tolk.sim.SimOptions;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Clients that vanish at random points — before the headers, during prefill, mid-stream — leave no upstream request
 * open and no threads, file descriptors or heap behind.
 */
class AbortLeakTest {
    @Test
    void aThousandRandomClientAbortsLeaveNothingOpen() throws Exception {
        try (GatewayFixture f = new GatewayFixture(SimOptions.builder().prefillMicrosPerToken(300).build(), c -> c)) {
            f.sim.loadScenario("rules: [{reply: {text: '" + "word ".repeat(100) + "', chunks: 100, chunkDelayMs: 1}}]");
            String body = "{\"model\":\"m\",\"max_tokens\":500,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}";
            byte[] request = ("POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
            warmUp(f, request);
            Random rnd = new Random(42);
            // round one lets the thread pools grow to what this load needs; round two must not grow anything
            abortRound(f, request, rnd, 500);
            long threadsAfterFirst = threadsOutsidePools();
            long fdsAfterFirst = openFds();
            long heapAfterFirst = heapAfterGc();
            abortRound(f, request, rnd, 500);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(threadsOutsidePools()).as("threads outside the bounded pools: %s", threadNames())
                        .isLessThanOrEqualTo(threadsAfterFirst + 2);
                assertThat(poolThreads()).as("pool threads").isLessThanOrEqualTo(POOL_MAXIMUM);
                assertThat(openFds()).isLessThanOrEqualTo(fdsAfterFirst + 10);
            });
            // 500 more aborted streams retain nothing: what is live after a full GC stays where it was (the margin
            // is far below the ~100 KB per stream a leak of buffers and translator state would hold on to)
            assertThat(heapAfterGc()).isLessThanOrEqualTo(heapAfterFirst + 16L * 1024 * 1024);
            // and the gateway still answers normally
            var r = f.post("/v1/messages", "{\"model\":\"m\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"ok?\"}]}");
            assertThat(r.statusCode()).isEqualTo(200);
        }
    }

    /**
     * The gateway's, its upstream client's and the simulator's thread pools: bounded, and they grow and shrink with
     * timing (a pool thread ends after its idle timeout and a new one with a new name may start), so their size in
     * round two is not a leak signal; what must not grow is every other thread.
     */
    /** Jetty names a pool's threads {@code <pool>-<id>}, with a role suffix for selectors and acceptors. */
    private static final java.util.regex.Pattern POOL_THREAD =
            java.util.regex.Pattern.compile("(tolk|tolk-upstream|tolk-sim)-\\d+(-.*)?");
    private static final long POOL_MAXIMUM = 64 + 32 + 64;

    /** The live platform threads but the one evaluating the awaited condition. */
    private static java.util.stream.Stream<Thread> threads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !t.getName().equals("awaitility-thread"));
    }

    private static boolean inPool(Thread t) {
        return POOL_THREAD.matcher(t.getName()).matches();
    }

    private static long threadsOutsidePools() {
        return threads().filter(t -> !inPool(t)).count();
    }

    private static long poolThreads() {
        return threads().filter(AbortLeakTest::inPool).count();
    }

    private static java.util.List<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).sorted().toList();
    }

    private static void abortRound(GatewayFixture f, byte[] request, Random rnd, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            try (Socket s = new Socket("127.0.0.1", f.tolk.port())) {
                s.setSoLinger(true, 0); // an abrupt reset, like a killed client
                s.getOutputStream().write(request);
                int readBytes = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(3000);
                InputStream in = s.getInputStream();
                in.readNBytes(readBytes);
            }
        }
        // every upstream request the gateway started for these clients is gone within a second (measured and printed;
        // the bound is wider so that a loaded CI box does not fail it)
        long t0 = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> f.sim.stats().active() == 0);
        System.out.printf("abort round of %d: upstream active back to 0 %d ms after the last client left%n", n,
                (System.nanoTime() - t0) / 1_000_000);
    }

    private static void warmUp(GatewayFixture f, byte[] request) throws Exception {
        for (int i = 0; i < 20; i++) {
            try (Socket s = new Socket("127.0.0.1", f.tolk.port())) {
                s.getOutputStream().write(request);
                s.getInputStream().readNBytes(500);
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> f.sim.stats().active() == 0);
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long openFds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
