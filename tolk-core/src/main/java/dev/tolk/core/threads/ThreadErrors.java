package dev.tolk.core.threads;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.AnthropicError.ErrorDetails;
import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.anthropic.ErrorType;
import java.util.List;
import java.util.Map;

/**
 * The thread rejections, each with the {@code error.details.error_code} the Anthropic SDKs map to an exception class
 * (and, for the first three, answer by replaying the whole conversation under a new thread).
 */
public final class ThreadErrors {
    public static final String NOT_FOUND = "thread_not_found";
    public static final String ALREADY_CONTINUED = "thread_already_continued";
    public static final String CONTINUE_IN_FLIGHT = "thread_continue_in_flight";
    public static final String FINGERPRINT_MISMATCH = "thread_fingerprint_mismatch";
    public static final String UNSUPPORTED_REQUEST = "thread_unsupported_request";

    private ThreadErrors() {}

    static AnthropicException notFound(String previousId) {
        return of(ErrorType.NOT_FOUND, NOT_FOUND, "No usable thread state was found for previous_message_id "
                + previousId + " (unknown, expired or evicted, or held by another Tolk). Replay the full "
                + "conversation with thread: {\"type\": \"create\"} to start a new thread.", null);
    }

    static AnthropicException alreadyContinued(String previousId) {
        return of(ErrorType.INVALID_REQUEST, ALREADY_CONTINUED, "The response " + previousId + " has already been "
                + "continued, and each response can be continued only once. Continue from the thread's most recent "
                + "response id.", null);
    }

    static AnthropicException inFlight(String previousId) {
        return of(ErrorType.INVALID_REQUEST, CONTINUE_IN_FLIGHT, "Another request is still continuing from "
                + previousId + ". Wait for it to complete and continue from its response id, or replay the full "
                + "conversation with thread: {\"type\": \"create\"}.", null);
    }

    static AnthropicException fingerprintMismatch(List<String> fields) {
        return of(ErrorType.INVALID_REQUEST, FINGERPRINT_MISMATCH, "thread fingerprint mismatch: "
                + String.join(", ", fields) + (fields.size() == 1 ? " differs" : " differ")
                + " from the value stored with the thread. Send the stored values, or replay the full conversation "
                + "with thread: {\"type\": \"create\"} to change them.", Map.of("fields", fields));
    }

    static AnthropicException unsupported(List<String> unsupported, String why) {
        return of(ErrorType.INVALID_REQUEST, UNSUPPORTED_REQUEST, "thread cannot be combined with "
                + String.join(", ", unsupported) + ": " + why + ". Send the full conversation without thread.",
                Map.of("unsupported", unsupported));
    }

    private static AnthropicException of(ErrorType type, String code, String message, Map<String, List<String>> lists) {
        return new AnthropicException(AnthropicError.of(type, message).withDetails(new ErrorDetails(code, lists)));
    }
}
