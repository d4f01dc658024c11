package dev.tolk.bench;

/**
 * Finds a fixed byte pattern in a stream fed in arbitrary pieces (KMP), so a pattern split across reads or
 * HTTP chunks is still found.
 */
final class BytePattern {
    private final byte[] pattern;
    private final int[] fallback;
    private final boolean requireNonQuoteAfter;
    private int matched;
    private boolean pendingCheck;
    private boolean found;

    /**
     * @param requireNonQuoteAfter the pattern ends in an opening quote and only counts when the next byte does
     *                             not close it: `"content":""` (vLLM's role chunk) is not text
     */
    BytePattern(byte[] pattern, boolean requireNonQuoteAfter) {
        this.pattern = pattern;
        this.requireNonQuoteAfter = requireNonQuoteAfter;
        this.fallback = new int[pattern.length];
        for (int i = 1, k = 0; i < pattern.length; i++) {
            while (k > 0 && pattern[i] != pattern[k]) {
                k = fallback[k - 1];
            }
            if (pattern[i] == pattern[k]) {
                k++;
            }
            fallback[i] = k;
        }
    }

    boolean found() {
        return found;
    }

    void reset() {
        matched = 0;
        pendingCheck = false;
        found = false;
    }

    /** Feeds bytes; true once the pattern has been seen (stays true until reset). */
    boolean feed(byte[] buf, int off, int len) {
        for (int i = off; i < off + len && !found; i++) {
            byte b = buf[i];
            if (pendingCheck) {
                pendingCheck = false;
                if (b != '"') {
                    found = true;
                    break;
                }
            }
            while (matched > 0 && b != pattern[matched]) {
                matched = fallback[matched - 1];
            }
            if (b == pattern[matched]) {
                matched++;
            }
            if (matched == pattern.length) {
                matched = fallback[matched - 1];
                if (requireNonQuoteAfter) {
                    pendingCheck = true;
                } else {
                    found = true;
                }
            }
        }
        return found;
    }
}
