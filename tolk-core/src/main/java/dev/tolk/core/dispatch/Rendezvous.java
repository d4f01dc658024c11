package dev.tolk.core.dispatch;

/**
 * Weighted rendezvous (highest-random-weight) hashing: each upstream gets a score from the conversation key and its
 * own name, and the key's ranking is the upstreams by falling score. A key's ranking changes only where an upstream
 * joins or leaves it (about 1/n of the keys move), and any two Tolk replicas compute the same one.
 *
 * <p>Weighted scores follow Schindelhauer and Schomaker's logarithmic method: {@code −weight / ln(u)} for the
 * hash's uniform {@code u ∈ (0,1)} gives each upstream a share of keys proportional to its weight.
 */
public final class Rendezvous {
    private Rendezvous() {}

    /** An upstream's identity in the hash: its configured name (the same on every replica). */
    public static long nameHash(String name) {
        return ConversationKey.ofText(name);
    }

    /** The score of an upstream ({@code nameHash}, {@code weight}) for {@code key}; higher ranks first. */
    public static double score(long key, long nameHash, double weight) {
        long h = ConversationKey.mix(key ^ nameHash);
        double u = ((h >>> 11) + 0.5) * 0x1.0p-53; // uniform in (0,1), never 0 or 1
        return -weight / Math.log(u);
    }

    /** Sorts {@code idx[0..n)} by falling score (insertion sort: a fleet has a handful of upstreams). */
    static void sortByScore(int[] idx, double[] score, int n) {
        for (int i = 1; i < n; i++) {
            int v = idx[i];
            double s = score[i];
            int j = i - 1;
            while (j >= 0 && score[j] < s) {
                idx[j + 1] = idx[j];
                score[j + 1] = score[j];
                j--;
            }
            idx[j + 1] = v;
            score[j + 1] = s;
        }
    }
}
