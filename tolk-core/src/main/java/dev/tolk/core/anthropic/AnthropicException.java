package dev.tolk.core.anthropic;

/**
 * A checked failure that carries the {@link AnthropicError} the client must receive. Thrown by parsing and
 * translation for the client's mistakes (always a 4xx) and by upstream handling for the upstream's.
 */
public final class AnthropicException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient AnthropicError error;

    public AnthropicException(AnthropicError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public AnthropicException(AnthropicError error, Throwable cause) {
        super(error.message(), cause, false, false);
        this.error = error;
    }

    public static AnthropicException invalidRequest(String message) {
        return new AnthropicException(AnthropicError.invalidRequest(message));
    }

    public AnthropicError error() {
        return error;
    }
}
