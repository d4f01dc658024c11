package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicError;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;

/** Blocking writes of whole responses (JSON bodies and Anthropic errors), always with {@code request-id}. */
final class Responses {
    static final String REQUEST_ID = "request-id";

    private Responses() {}

    static void json(Response response, int status, byte[] body, String requestId) throws IOException {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        if (requestId != null) {
            response.getHeaders().put(REQUEST_ID, requestId);
        }
        write(response, true, ByteBuffer.wrap(body));
    }

    /** Answers with {@code error}; prefer {@link #error(Exchange, AnthropicError)}, which keeps its message. */
    static void error(Response response, AnthropicError error, String requestId) throws IOException {
        if (error.retryAfterSeconds().isPresent()) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(error.retryAfterSeconds().getAsLong()));
        }
        json(response, error.status(), error.toJson(requestId), requestId);
    }

    /** Answers {@code x} with {@code error}; its message is kept for the request's {@link FinishedRequest}. */
    static void error(Exchange x, AnthropicError error) throws IOException {
        x.errorMessage = error.message();
        error(x.response, error, x.requestId);
    }

    /**
     * Writes a whole error response without blocking (the I/O thread may call it) and completes {@code x} after.
     * For a request refused before its body was read: when it has one, the answer says {@code Connection: close},
     * since Jetty closes a connection whose request body is left unread once the response is out, and a client that
     * did not hear so would send its next request into the closing socket.
     */
    static void errorAndComplete(Exchange x, AnthropicError error) {
        x.status = error.status();
        x.errorMessage = error.message();
        byte[] body = error.toJson(x.requestId);
        Response response = x.response;
        response.setStatus(error.status());
        if (x.request.getLength() != 0) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        if (error.retryAfterSeconds().isPresent()) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(error.retryAfterSeconds().getAsLong()));
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.getHeaders().put(REQUEST_ID, x.requestId);
        response.write(true, ByteBuffer.wrap(body), x);
    }

    static void write(Response response, boolean last, ByteBuffer buf) throws IOException {
        try (Blocker.Callback cb = Blocker.callback()) {
            response.write(last, buf, cb);
            cb.block();
        }
    }
}
