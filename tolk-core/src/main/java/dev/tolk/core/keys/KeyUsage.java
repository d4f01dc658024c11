package dev.tolk.core.keys;

/**
 * What a key has used, as the admission decision reads it: requests in flight, requests and tokens in the last minute,
 * and tokens spent in the budget's current period. Shared counters may be a few seconds stale (docs say how far).
 */
public record KeyUsage(int inFlight, int requestsLastMinute, long tokensLastMinute, long budgetSpent) {
    public static final KeyUsage NONE = new KeyUsage(0, 0, 0, 0);
}
