package dev.tolk.core.dispatch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the samples of a Prometheus text exposition (format 0.0.4, which vLLM's {@code /metrics} serves): comment
 * lines skipped, {@code name{label="value",…} value [timestamp]}, label values with {@code \\ \" \n} escapes.
 * Neither Micrometer nor the Prometheus Java client on the classpath reads this format (they only write it), hence
 * this small reader. Malformed lines are skipped: a scrape is advice, never a reason to fail.
 */
public final class PrometheusText {
    private PrometheusText() {}

    /** One sample. */
    @FunctionalInterface
    public interface SampleSink {
        void sample(String name, Map<String, String> labels, double value);
    }

    public static void read(CharSequence text, SampleSink sink) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            int end = i;
            while (end < n && text.charAt(end) != '\n') {
                end++;
            }
            line(text, i, end, sink);
            i = end + 1;
        }
    }

    private static void line(CharSequence t, int from, int to, SampleSink sink) {
        int i = from;
        while (i < to && (t.charAt(i) == ' ' || t.charAt(i) == '\t')) {
            i++;
        }
        if (i >= to || t.charAt(i) == '#') {
            return;
        }
        int nameStart = i;
        while (i < to && t.charAt(i) != '{' && t.charAt(i) != ' ' && t.charAt(i) != '\t') {
            i++;
        }
        String name = t.subSequence(nameStart, i).toString();
        Map<String, String> labels = Map.of();
        if (i < to && t.charAt(i) == '{') {
            labels = new LinkedHashMap<>();
            i++;
            while (true) {
                while (i < to && (t.charAt(i) == ' ' || t.charAt(i) == ',')) {
                    i++;
                }
                if (i >= to) {
                    return;
                }
                if (t.charAt(i) == '}') {
                    i++;
                    break;
                }
                int eq = i;
                while (eq < to && t.charAt(eq) != '=') {
                    eq++;
                }
                if (eq + 1 >= to || t.charAt(eq + 1) != '"') {
                    return;
                }
                String key = t.subSequence(i, eq).toString().strip();
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                while (j < to && t.charAt(j) != '"') {
                    char c = t.charAt(j);
                    if (c == '\\' && j + 1 < to) {
                        char e = t.charAt(++j);
                        value.append(e == 'n' ? '\n' : e);
                    } else {
                        value.append(c);
                    }
                    j++;
                }
                if (j >= to) {
                    return;
                }
                labels.put(key, value.toString());
                i = j + 1;
            }
        }
        while (i < to && (t.charAt(i) == ' ' || t.charAt(i) == '\t')) {
            i++;
        }
        int vStart = i;
        while (i < to && t.charAt(i) != ' ' && t.charAt(i) != '\t' && t.charAt(i) != '\r') {
            i++;
        }
        if (vStart == i) {
            return;
        }
        String v = t.subSequence(vStart, i).toString();
        double value;
        try {
            value = switch (v) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(v);
            };
        } catch (NumberFormatException e) {
            return;
        }
        sink.sample(name, labels, value);
    }

    /**
     * vLLM's load from its {@code /metrics}: {@code vllm:num_requests_running} and {@code vllm:num_requests_waiting}
     * summed over engines (and models), {@code vllm:kv_cache_usage_perc} (a fraction 0…1, the older
     * {@code vllm:gpu_cache_usage_perc} when that is what it serves) averaged; null when it serves none of them.
     */
    public static UpstreamLoad.Scraped vllmLoad(CharSequence text, long atNanos) {
        double[] acc = new double[5]; // running, waiting, kv sum, kv count, found
        read(text, (name, labels, value) -> {
            if (Double.isNaN(value)) {
                return;
            }
            switch (name) {
                case "vllm:num_requests_running" -> { acc[0] += value; acc[4] = 1; }
                case "vllm:num_requests_waiting" -> { acc[1] += value; acc[4] = 1; }
                case "vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc" -> {
                    acc[2] += value;
                    acc[3]++;
                    acc[4] = 1;
                }
                default -> { }
            }
        });
        if (acc[4] == 0) {
            return null;
        }
        return new UpstreamLoad.Scraped(acc[0], acc[1], acc[3] == 0 ? 0 : acc[2] / acc[3], atNanos);
    }
}
