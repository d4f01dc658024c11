package dev.tolk.core.threads;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.anthropic.AnthropicException;

/**
 * The request's {@code thread} field: {@code {"type":"create"}} or
 * {@code {"type":"continue","previous_message_id":"msg_…"}} (beta {@code message-threads-2026-08-12}).
 */
public sealed interface ThreadParam {
    record Create() implements ThreadParam {}

    record Continue(String previousMessageId) implements ThreadParam {}

    /** Null for an absent or JSON-null field; a 400 {@code invalid_request_error} for a malformed one. */
    static ThreadParam read(JsonNode n) throws AnthropicException {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw AnthropicException.invalidRequest("thread: Input should be a valid dictionary");
        }
        JsonNode type = n.get("type");
        String t = type != null && type.isTextual() ? type.textValue() : null;
        if ("create".equals(t)) {
            return new Create();
        }
        if ("continue".equals(t)) {
            JsonNode prev = n.get("previous_message_id");
            if (prev == null || prev.isNull()) {
                throw AnthropicException.invalidRequest("thread.previous_message_id: Field required");
            }
            if (!prev.isTextual() || prev.textValue().isEmpty()) {
                throw AnthropicException.invalidRequest("thread.previous_message_id: Input should be a valid string");
            }
            return new Continue(prev.textValue());
        }
        throw AnthropicException.invalidRequest("thread.type: Input should be 'create' or 'continue'");
    }
}
