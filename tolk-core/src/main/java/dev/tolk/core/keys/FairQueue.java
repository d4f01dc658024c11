package dev.tolk.core.keys;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Requests held while the fleet is saturated, released round-robin across keys and weighted by each key's priority
 * (deficit round robin with a cost of one per request): each turn a key with requests waiting may release as many as
 * its weight, then the next key's turn comes, so a key with 20 requests waiting and four keys with one each release
 * one of the big key's for each of the small keys', not twenty first. Within a key, first come first served. Pure
 * and not thread-safe: the caller holds a lock.
 */
public final class FairQueue<T> {
    private static final class Lane<T> {
        final String key;
        int weight;
        int credit;
        final ArrayDeque<T> items = new ArrayDeque<>();

        Lane(String key, int weight) {
            this.key = key;
            this.weight = weight;
        }
    }

    private final Map<String, Lane<T>> lanes = new HashMap<>();
    /** Keys with requests waiting whose turn is still to come, in turn order; the key releasing now is {@link #current}. */
    private final ArrayDeque<Lane<T>> round = new ArrayDeque<>();
    private Lane<T> current;
    private int size;

    /** Holds {@code item} for {@code key}; {@code weight} (≥ 1, the key's priority) is its share per turn. */
    public void add(String key, int weight, T item) {
        Lane<T> lane = lanes.get(key);
        if (lane == null) {
            lane = new Lane<>(key, Math.max(1, weight));
            lanes.put(key, lane);
            round.addLast(lane);
        } else {
            lane.weight = Math.max(1, weight);
        }
        lane.items.addLast(item);
        size++;
    }

    /** The next request to release, or null when none waits. */
    public T poll() {
        if (size == 0) {
            return null;
        }
        if (current == null) {
            current = round.pollFirst();
            current.credit += current.weight;
        }
        Lane<T> lane = current;
        T item = lane.items.pollFirst();
        lane.credit--;
        size--;
        if (lane.items.isEmpty()) { // a key that no longer waits keeps no credit for later
            lanes.remove(lane.key);
            lane.credit = 0;
            current = null;
        } else if (lane.credit < 1) {
            round.addLast(lane);
            current = null;
        }
        return item;
    }

    /** Takes {@code item} out (it gave up or its client left); false if it was not held. */
    public boolean remove(String key, T item) {
        Lane<T> lane = lanes.get(key);
        if (lane == null || !lane.items.remove(item)) {
            return false;
        }
        size--;
        if (lane.items.isEmpty()) {
            lanes.remove(key);
            lane.credit = 0;
            if (lane == current) {
                current = null;
            } else {
                round.remove(lane);
            }
        }
        return true;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** How many of {@code key}'s requests are held. */
    public int waiting(String key) {
        Lane<T> lane = lanes.get(key);
        return lane == null ? 0 : lane.items.size();
    }
}
