package dev.tolk.core.dispatch;

/**
 * Whether an upstream takes requests. A failure seen on a request (refused, reset, no head in time, 5xx/529) ejects
 * it for a back-off that doubles with each failure in a row ({@link #BASE_BACKOFF_NANOS} up to
 * {@link #MAX_BACKOFF_NANOS}); a failed probe after the back-off counts as a failure too. It comes back when a probe succeeds once its
 * back-off is over (the prober skips it until then). Times are the caller's {@code System.nanoTime()}.
 */
public final class UpstreamHealth {
    public static final long BASE_BACKOFF_NANOS = 1_000_000_000L;
    public static final long MAX_BACKOFF_NANOS = 60_000_000_000L;

    private int failuresInARow;
    private long ejectedUntil;
    private volatile boolean up = true;

    /** Whether requests may go to it. */
    public boolean up() {
        return up;
    }

    /**
     * A request or a probe failed at {@code now}: ejected for the (grown) back-off. Failures during a back-off (requests
     * already under way, or sent because every upstream is ejected) are the same outage and do not grow it.
     */
    public synchronized void failed(long now) {
        if (!up && now - ejectedUntil < 0) {
            return;
        }
        failuresInARow = Math.min(failuresInARow + 1, 30);
        long backoff = Math.min(MAX_BACKOFF_NANOS, BASE_BACKOFF_NANOS << Math.min(failuresInARow - 1, 20));
        ejectedUntil = now + backoff;
        up = false;
    }

    /** Whether a probe should be sent at {@code now}: a healthy upstream always, an ejected one after its back-off. */
    public synchronized boolean probeDue(long now) {
        return up || now - ejectedUntil >= 0;
    }

    /** A probe succeeded: back in, the back-off starts over. */
    public synchronized void probeSucceeded() {
        failuresInARow = 0;
        up = true;
    }

    /** Failures in a row so far (0 when healthy). */
    public synchronized int failuresInARow() {
        return failuresInARow;
    }

    /** The back-off the current ejection lasts until, in nanoTime (meaningful while not {@link #up()}). */
    public synchronized long ejectedUntil() {
        return ejectedUntil;
    }
}
