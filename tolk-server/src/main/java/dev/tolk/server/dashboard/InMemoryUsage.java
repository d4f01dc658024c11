package dev.tolk.server.dashboard;

import dev.tolk.server.http.FinishedRequest;
import dev.tolk.server.http.RequestListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Usage since this gateway started, per key and per session, fed by every ended Messages request: O(1) work under
 * one lock per request. Bounded: the {@link #MAX_SESSIONS} sessions seen most recently (the oldest is dropped) and
 * {@link #MAX_KEYS} keys; a session keeps the time to first token of its last {@link #TTFT_SAMPLES} turns for its
 * median and at most {@link #MAX_MODELS} model names of each kind.
 */
public final class InMemoryUsage implements UsageView, RequestListener {
    public static final int MAX_SESSIONS = 1000;
    static final int MAX_KEYS = 1000;
    static final int TTFT_SAMPLES = 32;
    static final int MAX_MODELS = 4;

    private static final class KeyCounts {
        long requests;
        long errors;
        long input;
        long cached;
        long output;
        long lastSeen;
    }

    private static final class SessionCounts {
        final String session;
        final long firstSeen;
        String key;
        long turns;
        long errors;
        long input;
        long cached;
        long output;
        long lastSeen;
        final long[] ttfts = new long[TTFT_SAMPLES];
        int ttftCount;
        final List<String> clientModels = new ArrayList<>(2);
        final List<String> upstreamModels = new ArrayList<>(2);

        SessionCounts(String session, long firstSeen) {
            this.session = session;
            this.firstSeen = firstSeen;
        }
    }

    private final Map<String, KeyCounts> keys = new LinkedHashMap<>();
    private final LinkedHashMap<String, SessionCounts> sessions = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, SessionCounts> eldest) {
            return size() > MAX_SESSIONS;
        }
    };

    @Override
    public void finished(FinishedRequest r) {
        if (!r.messages()) {
            return;
        }
        boolean error = r.status() >= 400;
        long now = r.startedAtEpochMillis() + r.durationNanos() / 1_000_000;
        synchronized (this) {
            KeyCounts k = keys.get(r.key());
            if (k == null && keys.size() < MAX_KEYS) {
                k = new KeyCounts();
                keys.put(r.key(), k);
            }
            if (k != null) {
                k.requests++;
                k.errors += error ? 1 : 0;
                k.input += r.inputTokens();
                k.cached += r.cachedTokens();
                k.output += r.outputTokens();
                k.lastSeen = now;
            }
            if (r.sessionId() == null) {
                return;
            }
            SessionCounts s = sessions.computeIfAbsent(r.sessionId(),
                    id -> new SessionCounts(id, r.startedAtEpochMillis()));
            s.key = r.key();
            s.turns++;
            s.errors += error ? 1 : 0;
            s.input += r.inputTokens();
            s.cached += r.cachedTokens();
            s.output += r.outputTokens();
            s.lastSeen = now;
            if (r.ttftNanos() >= 0) {
                s.ttfts[s.ttftCount++ % TTFT_SAMPLES] = r.ttftNanos();
            }
            addModel(s.clientModels, r.clientModel());
            addModel(s.upstreamModels, r.upstreamModel());
        }
    }

    private static void addModel(List<String> models, String model) {
        if (model != null && models.size() < MAX_MODELS && !models.contains(model)) {
            models.add(model);
        }
    }

    @Override
    public synchronized List<KeyTotals> keys() {
        List<KeyTotals> out = new ArrayList<>(keys.size());
        keys.forEach((name, k) -> out.add(new KeyTotals(name, k.requests, k.errors, k.input, k.cached, k.output,
                k.lastSeen)));
        out.sort(Comparator.comparingLong((KeyTotals t) -> t.inputTokens() + t.cachedTokens() + t.outputTokens())
                .reversed());
        return out;
    }

    @Override
    public synchronized List<SessionTotals> sessions(int limit) {
        List<SessionCounts> all = new ArrayList<>(sessions.values()); // access order: the latest last
        List<SessionTotals> out = new ArrayList<>(Math.min(limit, all.size()));
        for (int i = all.size() - 1; i >= 0 && out.size() < limit; i--) {
            SessionCounts s = all.get(i);
            out.add(new SessionTotals(s.session, s.key, s.turns, s.errors, s.input, s.cached, s.output,
                    medianMillis(s.ttfts, Math.min(s.ttftCount, TTFT_SAMPLES)), s.firstSeen, s.lastSeen,
                    List.copyOf(s.clientModels), List.copyOf(s.upstreamModels)));
        }
        return out;
    }

    private static long medianMillis(long[] samples, int n) {
        if (n == 0) {
            return -1;
        }
        long[] sorted = Arrays.copyOf(samples, n);
        Arrays.sort(sorted);
        return sorted[(n - 1) / 2] / 1_000_000;
    }

    @Override
    public String source() {
        return "since start";
    }
}
