package dev.tolk.core.keys;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Exact counters of one process: the gateway without a shared store, and the in-process SDK adapter. Per key (by
 * name): requests in flight, the requests and tokens of the current UTC minute, and the tokens of the current budget
 * period ({@link BudgetWindow}). A request counts towards the minute it began in; its tokens towards the minute and
 * the budget period it ended in. Each key's counters are updated under the key's own lock (a few field updates), so
 * keys never wait for each other. Nothing is kept for keys without limits (the gateway does not call it for them).
 */
public final class InMemoryKeyCounters implements KeyCounters {
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

    private static final class Counter {
        int inFlight;
        long minute = Long.MIN_VALUE;
        int requests;
        long minuteTokens;
        long periodStart = Long.MIN_VALUE;
        long budgetSpent;

        /** Moves the windows to the ones containing {@code now}: a new minute or period starts from zero. */
        void roll(KeyLimits limits, long now) {
            long m = BudgetWindow.minute(now);
            if (m != minute) {
                minute = m;
                requests = 0;
                minuteTokens = 0;
            }
            if (limits.budgetPeriod() != null) {
                long p = BudgetWindow.periodStart(limits.budgetPeriod(), now);
                if (p != periodStart) {
                    periodStart = p;
                    budgetSpent = 0;
                }
            }
        }
    }

    private Counter counter(ClientKey key) {
        return counters.computeIfAbsent(key.name(), k -> new Counter());
    }

    @Override
    public KeyUsage usage(ClientKey key, long nowMillis) {
        Counter c = counters.get(key.name());
        if (c == null) {
            return KeyUsage.NONE;
        }
        synchronized (c) {
            c.roll(key.limits(), nowMillis);
            return new KeyUsage(c.inFlight, c.requests, c.minuteTokens, c.budgetSpent);
        }
    }

    @Override
    public boolean tryBegin(ClientKey key, long nowMillis) {
        Counter c = counter(key);
        synchronized (c) {
            c.roll(key.limits(), nowMillis);
            int max = key.limits().maxConcurrent();
            if (max > 0 && c.inFlight >= max) {
                return false;
            }
            c.inFlight++;
            c.requests++;
            return true;
        }
    }

    @Override
    public void end(ClientKey key, long tokens, long nowMillis) {
        Counter c = counter(key);
        synchronized (c) {
            c.roll(key.limits(), nowMillis);
            if (c.inFlight > 0) {
                c.inFlight--;
            }
            long t = Math.max(0, tokens);
            c.minuteTokens += t;
            c.budgetSpent += t;
        }
    }
}
