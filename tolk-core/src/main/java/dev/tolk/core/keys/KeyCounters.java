package dev.tolk.core.keys;

/**
 * Where a key's usage is counted: in this process, or in the store that several replicas share. The admission decision
 * ({@code Admission}, pure) reads {@link #usage}; the gateway takes a concurrent slot with {@link #tryBegin} before any
 * upstream call and gives it back with {@link #end} when the request ends, whatever its outcome. Times are epoch
 * milliseconds passed in by the caller.
 */
public interface KeyCounters {
    /** The key's usage now (may be served from a short local cache). */
    KeyUsage usage(ClientKey key, long nowMillis);

    /**
     * Takes one of the key's concurrent slots and counts the request, unless its {@code maxConcurrent} slots are all
     * taken (then nothing is counted and the answer is false). A key without {@code maxConcurrent} always gets one.
     */
    boolean tryBegin(ClientKey key, long nowMillis);

    /** Gives back the slot {@link #tryBegin} took and counts the request's tokens (input + output) against its limits. */
    void end(ClientKey key, long tokens, long nowMillis);
}
