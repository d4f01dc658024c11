package dev.tolk.sim;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What tests and the benchmark read about one instance: streams in flight, finished, and aborted because the client
 * went away, request counts by status, the prefix cache's queried and hit tokens, and the timing of each admitted
 * request (the last {@value #TIMINGS} of them).
 */
public final class SimStats {
    static final int TIMINGS = 32_768;

    private final AtomicLong active = new AtomicLong();
    private final LongAdder completed = new LongAdder();
    private final LongAdder aborted = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder generationTokens = new LongAdder();
    private final LongAdder prefixQueries = new LongAdder();
    private final LongAdder prefixHits = new LongAdder();

    // the timing ring, in primitive arrays so recording allocates nothing; created on first use
    private int[] prompt;
    private int[] cached;
    private int[] completion;
    private long[] queued;
    private long[] prefill;
    private long[] decode;
    private long recorded;

    /**
     * A snapshot.
     *
     * @param active             requests being answered (waiting, prefilling or streaming)
     * @param running            admitted by the scheduler and not finished ({@code vllm:num_requests_running})
     * @param waiting            waiting for a sequence slot or KV blocks ({@code vllm:num_requests_waiting})
     * @param kvCacheUsage       KV blocks held by running requests over the capacity, 0..1
     * @param prefixCacheQueries prompt tokens looked up in the prefix cache
     * @param prefixCacheHits    of those, tokens served from it
     */
    public record Snapshot(long active, long completed, long aborted, long requests, Map<Integer, Long> byStatus,
                           long running, long waiting, double kvCacheUsage, long prefixCacheQueries,
                           long prefixCacheHits) {}

    /**
     * One admitted request as the cost model saw it. {@code queuedMicros} is measured (time spent waiting for
     * admission); prefill and decode are modelled: uncached prompt tokens × prefill cost and output tokens × decode
     * cost, times a slow fault's factor.
     */
    public record RequestTiming(int promptTokens, int cachedTokens, int completionTokens, long queuedMicros,
                                long prefillMicros, long decodeMicros) {
        /** Time to first token: waiting plus prefill. */
        @JsonProperty("ttftMicros")
        public long ttftMicros() {
            return queuedMicros + prefillMicros;
        }
    }

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

    long prefixQueriesTotal() {
        return prefixQueries.sum();
    }

    long prefixHitsTotal() {
        return prefixHits.sum();
    }

    /** An admitted request: its prefix-cache lookup and its timing. */
    void admitted(int promptTokens, int cachedTokens, int completionTokens, long queuedMicros, long prefillMicros,
                  long decodeMicros) {
        prefixQueries.add(promptTokens);
        prefixHits.add(cachedTokens);
        synchronized (this) {
            if (prompt == null) {
                prompt = new int[TIMINGS];
                cached = new int[TIMINGS];
                completion = new int[TIMINGS];
                queued = new long[TIMINGS];
                prefill = new long[TIMINGS];
                decode = new long[TIMINGS];
            }
            int i = (int) (recorded++ % TIMINGS);
            prompt[i] = promptTokens;
            cached[i] = cachedTokens;
            completion[i] = completionTokens;
            queued[i] = queuedMicros;
            prefill[i] = prefillMicros;
            decode[i] = decodeMicros;
        }
    }

    /** The last {@code n} admitted requests' timings, oldest first. */
    public synchronized List<RequestTiming> timings(int n) {
        int count = (int) Math.min(Math.min(recorded, TIMINGS), Math.max(0, n));
        List<RequestTiming> out = new ArrayList<>(count);
        for (long k = recorded - count; k < recorded; k++) {
            int i = (int) (k % TIMINGS);
            out.add(new RequestTiming(prompt[i], cached[i], completion[i], queued[i], prefill[i], decode[i]));
        }
        return out;
    }

    Snapshot snapshot(Scheduler scheduler) {
        Map<Integer, Long> s = new TreeMap<>();
        byStatus.forEach((k, v) -> s.put(k, v.sum()));
        return new Snapshot(active.get(), completed.sum(), aborted.sum(), requests.sum(), s, scheduler.running(),
                scheduler.waiting(), scheduler.kvCacheUsage(), prefixQueries.sum(), prefixHits.sum());
    }

    void reset() {
        completed.reset();
        aborted.reset();
        requests.reset();
        byStatus.clear();
        prefixQueries.reset();
        prefixHits.reset();
        synchronized (this) {
            recorded = 0;
        }
    }
}
