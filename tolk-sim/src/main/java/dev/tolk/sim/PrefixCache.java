package dev.tolk.sim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model of vLLM's automatic prefix cache: the prompt is cut into blocks of {@value #BLOCK} tokens, each block
 * hashed together with the hash of everything before it (so a block only hits when the whole prefix matches),
 * and kept in an LRU. {@link #lookupAndInsert} returns how many leading tokens were cached — always a multiple of
 * the block size, as vLLM reports it.
 */
final class PrefixCache {
    static final int BLOCK = 16;
    private final Map<Long, Boolean> lru;

    PrefixCache(int capacityBlocks) {
        this.lru = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                return size() > capacityBlocks;
            }
        };
    }

    synchronized int lookupAndInsert(int[] tokens) {
        long h = 0x9E3779B97F4A7C15L;
        int cached = 0;
        boolean hitting = true;
        int full = tokens.length / BLOCK;
        for (int b = 0; b < full; b++) {
            for (int i = b * BLOCK; i < (b + 1) * BLOCK; i++) {
                h = (h ^ tokens[i]) * 0x100000001B3L;
                h ^= h >>> 29;
            }
            if (hitting && lru.get(h) != null) {
                cached += BLOCK;
            } else {
                hitting = false;
                lru.put(h, Boolean.TRUE);
            }
        }
        // vLLM never reports the whole prompt as cached: the last token is always computed
        return Math.min(cached, Math.max(0, ((tokens.length - 1) / BLOCK) * BLOCK));
    }

    synchronized void clear() {
        lru.clear();
    }
}
