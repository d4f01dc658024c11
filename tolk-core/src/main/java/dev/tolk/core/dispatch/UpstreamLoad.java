package dev.tolk.core.dispatch;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How busy an upstream is: the requests this Tolk has in flight to it, and — when the upstream serves vLLM's
 * Prometheus {@code /metrics} — what vLLM reported at the last scrape (about once a second, off the request path).
 *
 * <p>They combine as {@code max(inFlight, running + waiting) + waiting + kvCacheUsage}: vLLM's own counts see other
 * replicas' requests too, Tolk's count sees its requests that arrived since the scrape (so a burst does not pile
 * onto one server between scrapes), a waiting request counts twice because the server is already full, and KV-cache
 * usage (0…1) breaks ties towards the server with more free cache. A scrape older than {@link #STALE_NANOS} is
 * ignored.
 */
public final class UpstreamLoad {
    public static final long STALE_NANOS = 5_000_000_000L;

    /** What one scrape of vLLM's {@code /metrics} said. */
    public record Scraped(double running, double waiting, double kvCacheUsage, long atNanos) {}

    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile Scraped scraped;

    public void begin() {
        inFlight.incrementAndGet();
    }

    public void end() {
        inFlight.decrementAndGet();
    }

    public int inFlight() {
        return inFlight.get();
    }

    public void scraped(Scraped s) {
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
        return Math.max(local, s.running() + s.waiting()) + s.waiting() + s.kvCacheUsage();
    }
}
