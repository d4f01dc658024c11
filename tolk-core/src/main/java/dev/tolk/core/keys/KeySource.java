package dev.tolk.core.keys;

/**
 * Client keys a gateway accepts besides its static {@code api-keys}: the key store's keys (with their limits). The
 * gateway asks it only for a credential that is none of the static keys.
 */
@FunctionalInterface
public interface KeySource {
    /** The key whose secret is {@code presented}, or null when there is none (or it was revoked). */
    ClientKey find(String presented);
}
