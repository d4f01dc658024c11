package dev.tolk.core.dispatch;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds failover retries so that a fleet that fails everything is not flooded with them: every request deposits
 * {@code ratio} of a retry (0.2 by default: retries stay under a fifth of all requests) into a balance capped at
 * {@code reserve} retries, and each retry takes one out. The reserve (10) lets a quiet gateway retry its first requests.
 * Count-based, no clock.
 */
public final class RetryBudget {
    private static final long UNIT = 1000;

    private final long deposit;
    private final long cap;
    private final AtomicLong balance;

    public RetryBudget(double ratio, int reserve) {
        this.deposit = Math.round(ratio * UNIT);
        this.cap = Math.max(reserve, 1) * UNIT; // never below one retry, or a deposit could never become one
        this.balance = new AtomicLong(reserve * UNIT);
    }

    public static RetryBudget defaults() {
        return new RetryBudget(0.2, 10);
    }

    /** A request was sent. */
    public void deposit() {
        long d = deposit;
        if (d == 0) {
            return;
        }
        balance.getAndUpdate(b -> Math.min(cap, b + d));
    }

    /** Takes one retry out of the budget; false when there is not a whole one left. */
    public boolean tryRetry() {
        while (true) {
            long b = balance.get();
            if (b < UNIT) {
                return false;
            }
            if (balance.compareAndSet(b, b - UNIT)) {
                return true;
            }
        }
    }
}
