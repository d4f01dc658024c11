package dev.tolk.server.http;

/**
 * Told of every request that ended, after its response completed, on the thread that completed it: a listener must
 * not block (hand the record to a queue of its own) and must not throw.
 */
@FunctionalInterface
public interface RequestListener {
    void finished(FinishedRequest request);
}
