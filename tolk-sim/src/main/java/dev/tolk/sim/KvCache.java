package dev.tolk.sim;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One instance's KV blocks, modelled on vLLM's block pool with automatic prefix caching. A prompt is cut into blocks
 * of {@value #BLOCK} tokens, each hashed together with everything before it, so a block only hits when the whole
 * prefix matches. A running request holds its blocks (its full prompt blocks, shared with other requests that have
 * the same prefix, plus private blocks for the partial last block and its output); when it ends, its prompt blocks
 * stay cached but become evictable, tail first, least recently used first. The capacity bounds held and cached
 * blocks together; as in vLLM, only held blocks count as usage.
 *
 * <p>Not thread-safe: the {@link Scheduler} owns it under its lock.
 */
final class KvCache {
    static final int BLOCK = 16;

    private final int capacity;
    /** Blocks held by running requests, by prefix hash, with how many requests hold each. */
    private final Map<Long, int[]> held = new HashMap<>();
    /** Cached blocks nobody holds, least recently released first: the eviction order. */
    private final LinkedHashMap<Long, Boolean> evictable = new LinkedHashMap<>();
    private long privateBlocks;
    /** Bumped by {@link #clear}: allocations from before a clear give nothing back. */
    private long epoch;

    /** The blocks one admitted request holds; {@link #release} gives them back. */
    record Allocation(long[] hashes, int privateBlocks, int cachedTokens, long epoch) {}

    KvCache(int capacityBlocks) {
        this.capacity = capacityBlocks;
    }

    /** Blocks a request of this size holds while it runs. */
    static int blocksFor(int promptTokens, int completionTokens) {
        return (promptTokens + completionTokens + BLOCK - 1) / BLOCK;
    }

    /** Whether {@code blocks} more held blocks fit next to those held now (cached ones are evicted as needed). */
    boolean fits(int blocks) {
        return heldBlocks() + blocks <= capacity;
    }

    /**
     * Looks the prompt up and holds its blocks. The cached count is the leading run of blocks found, in whole
     * blocks, and never the whole prompt: vLLM always computes the last token.
     */
    Allocation allocate(int[] tokens, int completionTokens) {
        int full = tokens.length / BLOCK;
        long[] hashes = new long[full];
        long h = 0x9E3779B97F4A7C15L;
        int hitBlocks = 0;
        boolean hitting = true;
        for (int b = 0; b < full; b++) {
            for (int i = b * BLOCK; i < (b + 1) * BLOCK; i++) {
                h = (h ^ tokens[i]) * 0x100000001B3L;
                h ^= h >>> 29;
            }
            hashes[b] = h;
            int[] refs = held.get(h);
            boolean found = refs != null || evictable.remove(h) != null;
            if (hitting && found) {
                hitBlocks++;
            } else {
                hitting = false;
            }
            if (refs != null) {
                refs[0]++;
            } else {
                if (!found) {
                    makeRoom(1);
                }
                held.put(h, new int[] {1});
            }
        }
        int own = blocksFor(tokens.length, completionTokens) - full;
        makeRoom(own);
        privateBlocks += own;
        int cached = Math.min(hitBlocks * BLOCK, Math.max(0, ((tokens.length - 1) / BLOCK) * BLOCK));
        return new Allocation(hashes, own, cached, epoch);
    }

    /** The request ended: its prompt blocks stay cached, evictable, the last block first. */
    void release(Allocation a) {
        if (a.epoch() != epoch) {
            return;
        }
        privateBlocks -= a.privateBlocks();
        long[] hashes = a.hashes();
        for (int b = hashes.length - 1; b >= 0; b--) {
            int[] refs = held.get(hashes[b]);
            if (refs != null && --refs[0] == 0) {
                held.remove(hashes[b]);
                evictable.put(hashes[b], Boolean.TRUE);
            }
        }
    }

    private void makeRoom(int blocks) {
        var it = evictable.keySet().iterator();
        while (heldBlocks() + evictable.size() + blocks > capacity && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    long heldBlocks() {
        return held.size() + privateBlocks;
    }

    /** vLLM's {@code kv_cache_usage_perc}: held blocks over the capacity, 0..1. */
    double usage() {
        return Math.min(1.0, (double) heldBlocks() / capacity);
    }

    int capacity() {
        return capacity;
    }

    void clear() {
        held.clear();
        evictable.clear();
        privateBlocks = 0;
        epoch++;
    }
}
