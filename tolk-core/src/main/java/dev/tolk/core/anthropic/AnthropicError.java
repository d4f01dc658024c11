package dev.tolk.core.anthropic;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tolk.core.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * An Anthropic error as the client will see it: HTTP status, {@code error.type}, message, an optional
 * retry hint in seconds (sent as {@code retry-after}) and optional {@code error.details} (an {@code error_code} the
 * SDKs map to an exception class, and lists such as the unsupported fields).
 *
 * <p>Wire shape (protocol.md §A.7): {@code {"type":"error","error":{"type":T,"message":M},"request_id":"req_…"}},
 * with {@code "details":{"error_code":C,…}} inside {@code error} when there are details.
 * The same body is used for HTTP error responses and, with {@link #toSseFrame(String)}, for the mid-stream
 * {@code event: error}.
 */
public record AnthropicError(int status, ErrorType type, String message, OptionalLong retryAfterSeconds,
                             ErrorDetails details) {

    public AnthropicError {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(retryAfterSeconds, "retryAfterSeconds");
    }

    /** An error without details. */
    public AnthropicError(int status, ErrorType type, String message, OptionalLong retryAfterSeconds) {
        this(status, type, message, retryAfterSeconds, null);
    }

    /**
     * {@code error.details}: the machine-readable {@code error_code} and, in order, named lists of strings (e.g.
     * {@code unsupported: ["assistant_prefill"]}).
     */
    public record ErrorDetails(String errorCode, java.util.Map<String, java.util.List<String>> lists) {
        public ErrorDetails {
            Objects.requireNonNull(errorCode, "errorCode");
            lists = lists == null ? java.util.Map.of() : java.util.Collections.unmodifiableMap(
                    new java.util.LinkedHashMap<>(lists));
        }

        public static ErrorDetails of(String errorCode) {
            return new ErrorDetails(errorCode, null);
        }
    }

    /** The error code of {@code error.details}, or null. */
    public String errorCode() {
        return details == null ? null : details.errorCode();
    }

    public AnthropicError withDetails(ErrorDetails d) {
        return new AnthropicError(status, type, message, retryAfterSeconds, d);
    }

    public static AnthropicError of(ErrorType type, String message) {
        return new AnthropicError(type.status(), type, message, OptionalLong.empty());
    }

    public static AnthropicError invalidRequest(String message) {
        return of(ErrorType.INVALID_REQUEST, message);
    }

    public static AnthropicError overloaded(String message) {
        return of(ErrorType.OVERLOADED, message);
    }

    public static AnthropicError api(String message) {
        return of(ErrorType.API, message);
    }

    /** The standard message Claude Code reacts to by compacting (protocol.md §C.7). */
    public static AnthropicError promptTooLong(long promptTokens, long maxTokens) {
        return invalidRequest("prompt is too long: " + promptTokens + " tokens > " + maxTokens + " maximum");
    }

    public AnthropicError withRetryAfter(long seconds) {
        return new AnthropicError(status, type, message, OptionalLong.of(seconds), details);
    }

    /** The JSON body, with {@code request_id} when {@code requestId} is not null. */
    public byte[] toJson(String requestId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + message.length());
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", "error");
            g.writeObjectFieldStart("error");
            g.writeStringField("type", type.wireName());
            g.writeStringField("message", message);
            if (details != null) {
                g.writeObjectFieldStart("details");
                g.writeStringField("error_code", details.errorCode());
                for (var e : details.lists().entrySet()) {
                    g.writeArrayFieldStart(e.getKey());
                    for (String v : e.getValue()) {
                        g.writeString(v);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndObject();
            if (requestId != null) {
                g.writeStringField("request_id", requestId);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The mid-stream form: {@code event: error\ndata: {…}\n\n}. */
    public byte[] toSseFrame(String requestId) {
        byte[] json = toJson(requestId);
        byte[] head = "event: error\ndata: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] frame = new byte[head.length + json.length + 2];
        System.arraycopy(head, 0, frame, 0, head.length);
        System.arraycopy(json, 0, frame, head.length, json.length);
        frame[frame.length - 2] = '\n';
        frame[frame.length - 1] = '\n';
        return frame;
    }
}
