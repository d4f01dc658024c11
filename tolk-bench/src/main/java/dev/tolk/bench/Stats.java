package dev.tolk.bench;

import java.util.Arrays;
import java.util.List;

/** Order statistics over samples; medians everywhere because a shared 2-core machine has long tails. */
final class Stats {
    private Stats() {}

    static double median(List<Double> values) {
        return percentile(values.stream().mapToDouble(Double::doubleValue).toArray(), 50);
    }

    static double median(double[] values) {
        return percentile(values, 50);
    }

    /** Nearest-rank percentile; NaN for no samples. */
    static double percentile(double[] values, double p) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static double percentile(long[] nanos, int count, double p) {
        double[] ms = new double[count];
        for (int i = 0; i < count; i++) {
            ms[i] = nanos[i] / 1e6;
        }
        return percentile(ms, p);
    }
}
