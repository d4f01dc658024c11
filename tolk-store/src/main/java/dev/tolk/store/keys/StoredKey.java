package dev.tolk.store.keys;

import dev.tolk.core.keys.ClientKey;
import dev.tolk.core.keys.KeyLimits;

/**
 * A key as the store holds it: never its secret, only the secret's SHA-256. Times are epoch milliseconds; {@code
 * revokedAt} is null while the key is valid.
 */
public record StoredKey(String name, String secretSha256, KeyLimits limits, long createdAt, long updatedAt,
                        Long revokedAt) {
    public boolean revoked() {
        return revokedAt != null;
    }

    public ClientKey clientKey() {
        return new ClientKey(name, limits);
    }
}
