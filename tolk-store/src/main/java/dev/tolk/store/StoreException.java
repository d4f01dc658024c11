package dev.tolk.store;

/** The store could not do what was asked: unreachable, refused, or its schema could not be brought up to date. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
