package dev.tolk.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many concurrent slow streams (the simulator sends one chunk every 100 ms), each client on a virtual thread,
 * opened at a bounded rate, held for a bounded time, then all dropped at once; afterwards the simulator must
 * see every upstream stream closed (the gateway cancels what its clients abandon).
 */
final class SlowStreamsBench {
    private SlowStreamsBench() {}

    static ObjectNode run(Endpoint endpoint, int streams, int openPerSecond, Duration hold,
                          ManagedProcess gateway, int simPort) throws IOException, InterruptedException {
        System.err.printf("bench:   %d slow streams via %s%n", streams, endpoint.name());
        byte[] request = endpoint.requestBytes();
        AtomicLong errors = new AtomicLong();
        AtomicLong streaming = new AtomicLong();
        ConcurrentHashMap<String, Long> errorKinds = new ConcurrentHashMap<>();
        List<HttpConnection> conns = java.util.Collections.synchronizedList(new ArrayList<>());
        long rampNanos = (long) (streams * 1e9 / openPerSecond);
        long start = System.nanoTime();
        long holdStart = start + rampNanos;
        long deadline = holdStart + hold.toNanos();
        ProcFs.Sample before = gateway == null ? null : gateway.sample();
        List<Thread> threads = new ArrayList<>(streams);
        RssSampler sampler = gateway == null ? null : RssSampler.start(gateway.pid());
        long[] cpuAtHoldStart = {-1};
        for (int i = 0; i < streams; i++) {
            long due = start + (long) (i * 1e9 / openPerSecond);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            threads.add(Thread.ofVirtual().start(() -> {
                HttpConnection c = null;
                try {
                    c = new HttpConnection(endpoint.port(), 10_000);
                    conns.add(c);
                    c.soTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                    c.send(request);
                    int status = c.readStatus();
                    if (status != 200) {
                        throw new IOException("status " + status);
                    }
                    streaming.incrementAndGet();
                    if (c.drainUntil(deadline) == 0) {
                        throw new IOException("no bytes after the status line");
                    }
                } catch (IOException | RuntimeException e) {
                    errors.incrementAndGet();
                    String kind = System.nanoTime() >= deadline ? "not streaming when the hold ended: " : "";
                    errorKinds.merge(kind + e.getClass().getSimpleName() + ": " + e.getMessage(), 1L, Long::sum);
                }
            }));
        }
        if (gateway != null) {
            long wait = holdStart - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000);
            }
            cpuAtHoldStart[0] = gateway.sample().cpuMillis();
        }
        for (Thread t : threads) {
            t.join();
        }
        long heldNanos = System.nanoTime() - holdStart;
        ProcFs.Sample after = gateway == null ? null : gateway.sample();
        long peak = sampler == null ? 0 : sampler.peakKib();
        if (sampler != null) {
            sampler.close();
        }
        synchronized (conns) {
            conns.forEach(HttpConnection::close);
        }
        boolean upstreamClosed = SimControl.awaitIdle(simPort, Duration.ofSeconds(15));
        ObjectNode out = BenchJson.MAPPER.createObjectNode();
        out.put("streams", streams);
        out.put("openedPerSecond", openPerSecond);
        out.put("holdSeconds", hold.toSeconds());
        out.put("streaming", streaming.get());
        out.put("errors", errors.get());
        if (!errorKinds.isEmpty()) {
            ObjectNode kinds = out.putObject("errorKinds");
            errorKinds.entrySet().stream().limit(10).forEach(e -> kinds.put(e.getKey(), e.getValue()));
        }
        out.put("upstreamAllClosedAfterClientsLeft", upstreamClosed);
        out.put("upstreamStillActive", SimControl.stats(simPort).active());
        if (gateway != null) {
            out.put("gatewayPeakRssMib", peak / 1024.0);
            out.put("gatewayHwmMib", after.hwmMib());
            out.put("gatewayCpuSeconds", (after.cpuMillis() - before.cpuMillis()) / 1000.0);
            out.put("gatewayCpuCoresDuringHold",
                    (after.cpuMillis() - cpuAtHoldStart[0]) / 1000.0 / (heldNanos / 1e9));
        }
        return out;
    }
}
