package dev.tolk.sim;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What tests read to prove a gateway's behaviour: streams in flight, finished, and aborted because the client
 * went away, plus request counts by status.
 */
public final class SimStats {
    private final AtomicLong active = new AtomicLong();
    private final LongAdder completed = new LongAdder();
    private final LongAdder aborted = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder generationTokens = new LongAdder();

    /** A snapshot. */
    public record Snapshot(long active, long completed, long aborted, long requests, Map<Integer, Long> byStatus) {}

    void request() {
        requests.increment();
    }

    void status(int status) {
        byStatus.computeIfAbsent(status, k -> new LongAdder()).increment();
    }

    void begin() {
        active.incrementAndGet();
    }

    void end(boolean abortedByClient) {
        active.decrementAndGet();
        if (abortedByClient) {
            aborted.increment();
        } else {
            completed.increment();
        }
    }

    void tokens(long prompt, long generated) {
        promptTokens.add(prompt);
        generationTokens.add(generated);
    }

    long promptTokensTotal() {
        return promptTokens.sum();
    }

    long generationTokensTotal() {
        return generationTokens.sum();
    }

    public Snapshot snapshot() {
        Map<Integer, Long> s = new TreeMap<>();
        byStatus.forEach((k, v) -> s.put(k, v.sum()));
        return new Snapshot(active.get(), completed.sum(), aborted.sum(), requests.sum(), s);
    }

    void reset() {
        completed.reset();
        aborted.reset();
        requests.reset();
        byStatus.clear();
    }
}
