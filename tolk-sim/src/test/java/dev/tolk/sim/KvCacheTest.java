package dev.tolk.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The block pool model: held blocks are the usage, released ones stay cached and are evicted tail first. */
class KvCacheTest {
    static int[] tokens(int from, int n) {
        return IntStream.range(from, from + n).toArray();
    }

    @Test
    void aRepeatedPromptHitsWholeBlocksButNeverTheLastToken() {
        KvCache c = new KvCache(100);
        KvCache.Allocation first = c.allocate(tokens(0, 64), 10);
        assertThat(first.cachedTokens()).isZero();
        c.release(first);
        assertThat(c.allocate(tokens(0, 64), 10).cachedTokens()).as("64 tokens: the 4th block holds the last").isEqualTo(48);
        assertThat(c.allocate(tokens(0, 70), 10).cachedTokens()).isEqualTo(64);
    }

    @Test
    void usageCountsHeldBlocksOnly() {
        KvCache c = new KvCache(10);
        KvCache.Allocation a = c.allocate(tokens(0, 40), 8); // 2 full prompt blocks + 1 private (8 + 8 tokens)
        assertThat(c.heldBlocks()).isEqualTo(3);
        assertThat(c.usage()).isEqualTo(0.3);
        KvCache.Allocation b = c.allocate(tokens(0, 40), 8); // shares the 2 prompt blocks
        assertThat(b.cachedTokens()).isEqualTo(32);
        assertThat(c.heldBlocks()).isEqualTo(4);
        c.release(a);
        c.release(b);
        assertThat(c.usage()).isZero();
        assertThat(c.fits(10)).isTrue();
    }

    @Test
    void evictionTakesTheLeastRecentlyReleasedTailBlocksFirst() {
        KvCache c = new KvCache(4);
        c.release(c.allocate(tokens(0, 48), 0)); // 3 cached blocks: A1 A2 A3
        c.release(c.allocate(tokens(1000, 32), 0)); // needs 2: evicts A3 (the tail), keeps A1 A2
        assertThat(c.allocate(tokens(0, 49), 0).cachedTokens()).as("A1 A2 still there, A3 gone").isEqualTo(32);
    }

    @Test
    void heldBlocksAreNeverEvicted() {
        KvCache c = new KvCache(4);
        KvCache.Allocation held = c.allocate(tokens(0, 48), 0);
        c.release(c.allocate(tokens(1000, 48), 0)); // over capacity while the first is held: nothing of it goes
        c.release(held);
        assertThat(c.allocate(tokens(0, 49), 0).cachedTokens()).isEqualTo(48);
    }
}
