package dev.tolk.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fallback load generator when wrk is not installed: one platform thread per connection with the blocking
 * {@link HttpConnection}. Each run's direct rate bounds what it can drive, and that bound is printed next to it.
 */
final class JavaLoadGenerator implements LoadGenerator {
    @Override
    public String name() {
        return "java";
    }

    @Override
    public LoadResult run(Endpoint endpoint, int connections, Duration duration) throws InterruptedException {
        byte[] request = endpoint.requestBytes();
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        AtomicLong errors = new AtomicLong();
        List<long[]> latencies = new ArrayList<>();
        int[] counts = new int[connections];
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            long[] mine = new long[1 << 16];
            latencies.add(mine);
            int index = c;
            threads.add(Thread.ofPlatform().name("load-" + c).start(() -> {
                HttpConnection conn = null;
                int n = 0;
                while (System.nanoTime() < deadline && n < mine.length) {
                    try {
                        if (conn == null || !conn.isOpen()) {
                            conn = new HttpConnection(endpoint.port(), 5_000);
                            conn.soTimeout(30_000);
                        }
                        HttpConnection.Exchange x = conn.exchange(endpoint, request);
                        if (x.ok()) {
                            mine[n++] = x.totalNanos();
                        } else {
                            errors.incrementAndGet();
                        }
                    } catch (IOException | RuntimeException e) {
                        errors.incrementAndGet();
                        if (conn != null) {
                            conn.close();
                        }
                        conn = null;
                    }
                }
                counts[index] = n;
                if (conn != null) {
                    conn.close();
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int total = 0;
        for (int n : counts) {
            total += n;
        }
        long[] all = new long[total];
        int at = 0;
        for (int c = 0; c < connections; c++) {
            System.arraycopy(latencies.get(c), 0, all, at, counts[c]);
            at += counts[c];
        }
        return new LoadResult(name(), total, seconds, Stats.percentile(all, total, 50),
                Stats.percentile(all, total, 99), errors.get());
    }
}
