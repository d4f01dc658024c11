package dev.tolk.core.keys;

/**
 * The key a request came with, as the gateway knows it after authentication: its name (what the usage ledger and
 * metrics call it; never the secret) and its limits. {@link #ANONYMOUS} is a gateway without keys (the developer at
 * their desk); a static {@code api-keys} entry has no limits.
 */
public record ClientKey(String name, KeyLimits limits) {
    public static final ClientKey ANONYMOUS = new ClientKey("-", KeyLimits.NONE);

    public ClientKey {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a key has a name");
        }
    }
}
