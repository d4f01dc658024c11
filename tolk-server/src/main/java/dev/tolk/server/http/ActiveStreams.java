package dev.tolk.server.http;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Streams in flight, so a graceful shutdown can let them finish and then end the rest with an error event, and the
 * dashboard can list them.
 */
final class ActiveStreams {
    interface Stream {
        /** Ends the stream now with an {@code event: error} and aborts its upstream request. */
        void terminate(String reason);

        /** What the stream is and how far it got, read from another thread (recent, not exact, values). */
        RunningStream running(long nowNanos);
    }

    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private volatile boolean shuttingDown;

    void add(Stream s) {
        streams.add(s);
    }

    void remove(Stream s) {
        streams.remove(s);
    }

    boolean shuttingDown() {
        return shuttingDown;
    }

    int size() {
        return streams.size();
    }

    /** The streams in flight now, the oldest first. */
    java.util.List<RunningStream> running() {
        long now = System.nanoTime();
        java.util.List<RunningStream> out = new java.util.ArrayList<>(streams.size());
        for (Stream s : streams) {
            out.add(s.running(now));
        }
        out.sort(java.util.Comparator.comparingLong(RunningStream::startedAtEpochMillis));
        return out;
    }

    /** Waits up to {@code grace} for streams to finish, then terminates the rest. */
    void drain(Duration grace) throws InterruptedException {
        shuttingDown = true;
        long end = System.nanoTime() + grace.toNanos();
        while (!streams.isEmpty() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        for (Stream s : streams) {
            s.terminate("the gateway is shutting down");
        }
        long hard = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (!streams.isEmpty() && System.nanoTime() < hard) {
            Thread.sleep(10);
        }
    }
}
