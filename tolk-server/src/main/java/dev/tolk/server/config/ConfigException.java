package dev.tolk.server.config;

/** A configuration the gateway cannot start with; the message says what to fix. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
