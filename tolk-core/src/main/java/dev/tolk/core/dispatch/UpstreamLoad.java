package dev.tolk.core.dispatch;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How busy an upstream is: the requests this Tolk has in flight to it, and — when the upstream serves vLLM's
 * Prometheus {@code /metrics} — what vLLM reported at the last scrape (about once a second, off the request path).
 *
 * <p>They combine as {@code inFlight + max(0, running + waiting − inFlightAtScrape) + kvCacheUsage}. This Tolk's own
 * count is exact and current, so it counts as it is now; vLLM's counts are up to a second old, so they add only the
 * requests they saw beyond this Tolk's own at the moment of the scrape: other replicas' requests. A request that
 * ended after the scrape thus stops counting at once (a stale scrape made a server look busier than it was and sent
 * conversations away from their caches), and one sent since counts at once. KV-cache usage (0…1) breaks ties towards
 * the server with more free cache. A scrape older than {@link #STALE_NANOS} is ignored.
 */
public final class UpstreamLoad {
    public static final long STALE_NANOS = 5_000_000_000L;

    /** What one scrape of vLLM's {@code /metrics} said. */
    public record Scraped(double running, double waiting, double kvCacheUsage, long atNanos) {}

    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile Scraped scraped;
    private volatile int inFlightAtScrape;
    /** How many requests the upstream runs at once (its vLLM {@code --max-num-seqs}); 0 when not configured. */
    private final int capacity;

    public UpstreamLoad() {
        this(0);
    }

    public UpstreamLoad(int capacity) {
        this.capacity = Math.max(0, capacity);
    }

    public int capacity() {
        return capacity;
    }

    /**
     * How many more requests the upstream takes at {@code now} before it is at its capacity ({@link Integer#MAX_VALUE}
     * without one): the capacity less this Tolk's requests in flight as they are now and the requests the last fresh
     * scrape saw beyond this Tolk's own at that moment (other replicas'). A request of this Tolk that ends frees its
     * slot at once; a scrape up to a second old would hold the fair queue back until the next one.
     */
    public int room(long now) {
        if (capacity == 0) {
            return Integer.MAX_VALUE;
        }
        int busy = inFlight.get();
        Scraped s = scraped;
        if (s != null && now - s.atNanos() <= STALE_NANOS) {
            busy += (int) Math.max(0, s.running() + s.waiting() - inFlightAtScrape);
        }
        return Math.max(0, capacity - busy);
    }

    public void begin() {
        inFlight.incrementAndGet();
    }

    public void end() {
        inFlight.decrementAndGet();
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** A scrape's result has just arrived (this Tolk's count now is what vLLM's counts include of it). */
    public void scraped(Scraped s) {
        inFlightAtScrape = inFlight.get();
        scraped = s;
    }

    public Scraped lastScrape() {
        return scraped;
    }

    /** The load at {@code now} as described above. */
    public double value(long now) {
        int local = inFlight.get();
        Scraped s = scraped;
        if (s == null || now - s.atNanos() > STALE_NANOS) {
            return local;
        }
        return local + Math.max(0, s.running() + s.waiting() - inFlightAtScrape) + s.kvCacheUsage();
    }
}
