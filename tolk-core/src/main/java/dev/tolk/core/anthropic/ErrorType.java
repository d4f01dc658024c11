package dev.tolk.core.anthropic;

/**
 * Anthropic's {@code error.type} values with the HTTP status each one is sent with (protocol.md §A.7).
 */
public enum ErrorType {
    INVALID_REQUEST("invalid_request_error", 400),
    AUTHENTICATION("authentication_error", 401),
    BILLING("billing_error", 402),
    PERMISSION("permission_error", 403),
    NOT_FOUND("not_found_error", 404),
    REQUEST_TOO_LARGE("request_too_large", 413),
    RATE_LIMIT("rate_limit_error", 429),
    API("api_error", 500),
    TIMEOUT("timeout_error", 504),
    OVERLOADED("overloaded_error", 529);

    private final String wireName;
    private final int status;

    ErrorType(String wireName, int status) {
        this.wireName = wireName;
        this.status = status;
    }

    /** The value of {@code error.type} on the wire. */
    public String wireName() {
        return wireName;
    }

    /** The HTTP status Anthropic sends this type with. */
    public int status() {
        return status;
    }
}
