package dev.tolk.store.keys;

import dev.tolk.core.keys.ClientKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every valid store key in memory, by the SHA-256 of its secret, so that authenticating a request costs one digest and
 * one map lookup and never a database round trip. {@link #refresh} reloads the whole table (the gateway calls it every
 * {@link #REFRESH_MILLIS}), so a key created, changed or revoked through any replica or the CLI reaches this one
 * within that time. While the store is unreachable the last keys loaded stay in force.
 */
public final class KeyDirectory {
    /** How often the gateway reloads the keys: a change reaches every running gateway within this (and one query). */
    public static final long REFRESH_MILLIS = 2_000;

    private static final Logger LOG = LoggerFactory.getLogger(KeyDirectory.class);

    private final Supplier<KeyRepository> repository;
    private volatile Map<String, ClientKey> byDigest = Map.of();
    private volatile boolean anyKey;
    private volatile boolean loaded;
    private volatile boolean failing;

    /** {@code repository} answers null while the store is not open yet. */
    public KeyDirectory(Supplier<KeyRepository> repository) {
        this.repository = repository;
    }

    /** Reloads every key; false (and the old keys kept) when the store cannot be read. */
    public synchronized boolean refresh() { // one at a time: an older list never replaces a newer one
        KeyRepository r = repository.get();
        if (r == null) {
            return false;
        }
        List<StoredKey> all;
        try {
            all = r.list();
        } catch (RuntimeException e) {
            if (!failing) {
                LOG.warn("cannot reload the client keys from the store; the {} keys loaded before stay in force: {}",
                        byDigest.size(), e.getMessage());
            }
            failing = true;
            return false;
        }
        if (failing) {
            LOG.info("client keys reloaded from the store again");
        }
        failing = false;
        Map<String, ClientKey> m = new HashMap<>();
        for (StoredKey k : all) {
            if (!k.revoked()) {
                m.put(k.secretSha256(), k.clientKey());
            }
        }
        byDigest = Map.copyOf(m);
        anyKey = !all.isEmpty();
        loaded = true;
        return true;
    }

    /** The valid key whose secret is {@code presented}, or null (the shape of a key source: secret → key). */
    public ClientKey find(String presented) {
        return presented == null ? null : byDigest.get(KeySecrets.sha256Hex(presented));
    }

    /** The valid key whose secret has this SHA-256 (hex), or null. */
    public ClientKey byDigest(String sha256Hex) {
        return byDigest.get(sha256Hex);
    }

    /**
     * Whether the store holds any key, valid or revoked: then every API request needs a valid one. Revoking the last
     * key does not open the gateway again.
     */
    public boolean hasKeys() {
        return anyKey;
    }

    /** Whether the keys were read from the store at least once. */
    public boolean loaded() {
        return loaded;
    }

    /** The valid keys. */
    public int size() {
        return byDigest.size();
    }
}
