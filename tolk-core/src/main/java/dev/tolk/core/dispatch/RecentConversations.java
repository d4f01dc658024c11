package dev.tolk.core.dispatch;

/**
 * Where this Tolk sent each conversation last, and how many conversations it sent to each upstream within the last
 * {@link #ACTIVE_NANOS}: an approximate prefix index. The upstream that served a conversation's last turn holds its
 * whole prompt in its prefix cache (until it is evicted), so its next turn belongs there; a conversation nobody
 * holds goes where the fewest conversations are active, so the conversations, and with them the work, spread
 * evenly.
 *
 * <p>A direct-mapped table of {@link #SLOTS} conversations by key: a conversation whose slot another one took since is
 * forgotten (routed as new), and its count stays with its old upstream until the window passes it. Active counts are
 * kept per upstream in one-second buckets over the window. Times are the caller's {@code System.nanoTime()}.
 */
final class RecentConversations {
    static final int SLOTS = 8192;
    /** A conversation not seen for this long is forgotten (its upstream has most likely evicted it by then). */
    static final long REMEMBER_NANOS = 600_000_000_000L;
    /** A conversation counts as active on its upstream for this long after its last request was sent there. */
    static final long ACTIVE_NANOS = 60_000_000_000L;
    private static final long SECOND = 1_000_000_000L;
    private static final int BUCKETS = 64; // > the window in seconds, a power of two

    private final long[] keys = new long[SLOTS];
    /** The upstream + 1 (0: an empty slot). */
    private final int[] upstreams = new int[SLOTS];
    private final long[] sentAt = new long[SLOTS];
    private final long[][] bucketSecond;
    private final int[][] bucketCount;

    RecentConversations(int upstreamCount) {
        bucketSecond = new long[upstreamCount][BUCKETS];
        bucketCount = new int[upstreamCount][BUCKETS];
        for (long[] b : bucketSecond) {
            java.util.Arrays.fill(b, Long.MIN_VALUE);
        }
    }

    private static int slot(long key) {
        return (int) (key ^ key >>> 32) & (SLOTS - 1);
    }

    /** The upstream {@code key}'s conversation was last sent to, or −1 when it is not remembered. */
    synchronized int placeOf(long key, long now) {
        int s = slot(key);
        if (upstreams[s] == 0 || keys[s] != key || now - sentAt[s] > REMEMBER_NANOS) {
            return -1;
        }
        return upstreams[s] - 1;
    }

    /** {@code key}'s conversation was sent to {@code upstream} at {@code now}. */
    synchronized void sent(long key, int upstream, long now) {
        int s = slot(key);
        if (upstreams[s] != 0 && now - sentAt[s] < ACTIVE_NANOS) {
            uncount(upstreams[s] - 1, sentAt[s]); // it is counted once, where it went last
        }
        keys[s] = key;
        upstreams[s] = upstream + 1;
        sentAt[s] = now;
        long second = Math.floorDiv(now, SECOND);
        int b = (int) (second & (BUCKETS - 1));
        if (bucketSecond[upstream][b] != second) {
            bucketSecond[upstream][b] = second;
            bucketCount[upstream][b] = 0;
        }
        bucketCount[upstream][b]++;
    }

    private void uncount(int upstream, long at) {
        long second = Math.floorDiv(at, SECOND);
        int b = (int) (second & (BUCKETS - 1));
        if (bucketSecond[upstream][b] == second && bucketCount[upstream][b] > 0) {
            bucketCount[upstream][b]--;
        }
    }

    /** How many conversations were last sent to {@code upstream} within the window before {@code now}. */
    synchronized int active(int upstream, long now) {
        long second = Math.floorDiv(now, SECOND);
        long oldest = second - ACTIVE_NANOS / SECOND;
        int n = 0;
        for (int b = 0; b < BUCKETS; b++) {
            long at = bucketSecond[upstream][b];
            if (at > oldest && at <= second) {
                n += bucketCount[upstream][b];
            }
        }
        return n;
    }
}
