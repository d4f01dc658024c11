package dev.tolk.server.dashboard;

/**
 * One upstream's last hour in 60 one-minute buckets: requests, errors, prompt tokens and their cached part, and a
 * histogram of time to first token (from 1 ms, each doubling in four equal bins, so a quantile is within 12 % of the
 * truth). Fixed size whatever the traffic; a bucket is cleared when its minute comes round again. Not thread-safe:
 * {@link DashboardNumbers} guards it.
 */
final class RollingHour {
    static final int MINUTES = 60;
    static final int BINS = 86; // 1 ms × 2^(85/4) ≈ 45 min: every first token an upstream timeout allows
    private static final int BINS_PER_DOUBLING = 4;
    private static final int BASE_BITS = 10;
    private static final long BASE_MICROS = 1L << BASE_BITS;

    private final long[] minuteOf = new long[MINUTES];
    private final long[] requests = new long[MINUTES];
    private final long[] errors = new long[MINUTES];
    private final long[] promptTokens = new long[MINUTES];
    private final long[] cachedTokens = new long[MINUTES];
    private final int[][] ttft = new int[MINUTES][BINS];

    RollingHour() {
        java.util.Arrays.fill(minuteOf, -1);
    }

    void add(long epochMillis, boolean error, long prompt, long cached, long ttftNanos) {
        int b = bucket(epochMillis / 60_000);
        requests[b]++;
        errors[b] += error ? 1 : 0;
        promptTokens[b] += prompt;
        cachedTokens[b] += cached;
        if (ttftNanos >= 0) {
            ttft[b][bin(ttftNanos)]++;
        }
    }

    private int bucket(long minute) {
        int b = Math.floorMod(minute, MINUTES);
        if (minuteOf[b] != minute) {
            minuteOf[b] = minute;
            requests[b] = 0;
            errors[b] = 0;
            promptTokens[b] = 0;
            cachedTokens[b] = 0;
            java.util.Arrays.fill(ttft[b], 0);
        }
        return b;
    }

    /**
     * Bin 0 is up to 1.024 ms; above, each doubling of 1.024 ms is split into four equal quarters (integer arithmetic
     * only: this runs once per request).
     */
    static int bin(long nanos) {
        long micros = nanos / 1000;
        if (micros < BASE_MICROS) {
            return 0;
        }
        int top = 63 - Long.numberOfLeadingZeros(micros); // micros is in [2^top, 2^(top+1))
        int quarter = (int) (micros >>> (top - 2)) & 3;
        return (int) Math.min(BINS - 1, 1 + (long) (top - BASE_BITS) * BINS_PER_DOUBLING + quarter);
    }

    /** The middle of bin {@code i} in milliseconds. */
    static double binMillis(int i) {
        if (i == 0) {
            return BASE_MICROS / 2000.0;
        }
        int doubling = (i - 1) / BINS_PER_DOUBLING;
        int quarter = (i - 1) % BINS_PER_DOUBLING;
        return BASE_MICROS / 1000.0 * Math.pow(2, doubling) * (1 + (quarter + 0.5) / BINS_PER_DOUBLING);
    }

    /** The hour's sums and TTFT quantiles as of {@code nowMillis}; TTFT p50 and requests per minute, oldest first. */
    Summary summary(long nowMillis) {
        long now = nowMillis / 60_000;
        int[] hist = new int[BINS];
        long req = 0;
        long err = 0;
        long prompt = 0;
        long cached = 0;
        double[] p50ByMinute = new double[MINUTES];
        long[] requestsByMinute = new long[MINUTES];
        for (int m = 0; m < MINUTES; m++) {
            long minute = now - (MINUTES - 1) + m;
            int b = Math.floorMod(minute, MINUTES);
            p50ByMinute[m] = -1;
            if (minuteOf[b] != minute) {
                continue;
            }
            req += requests[b];
            err += errors[b];
            prompt += promptTokens[b];
            cached += cachedTokens[b];
            requestsByMinute[m] = requests[b];
            for (int i = 0; i < BINS; i++) {
                hist[i] += ttft[b][i];
            }
            p50ByMinute[m] = quantile(ttft[b], 0.5);
        }
        return new Summary(req, err, prompt, cached, quantile(hist, 0.5), quantile(hist, 0.9), p50ByMinute,
                requestsByMinute);
    }

    /** The {@code q} quantile in milliseconds, or -1 for an empty histogram. */
    static double quantile(int[] hist, double q) {
        long total = 0;
        for (int c : hist) {
            total += c;
        }
        if (total == 0) {
            return -1;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < hist.length; i++) {
            seen += hist[i];
            if (seen >= Math.max(1, rank)) {
                return binMillis(i);
            }
        }
        return binMillis(hist.length - 1);
    }

    record Summary(long requests, long errors, long promptTokens, long cachedTokens, double ttftP50Millis,
                   double ttftP90Millis, double[] ttftP50ByMinute, long[] requestsByMinute) {}
}
