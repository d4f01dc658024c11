package dev.tolk.sdk;

import com.anthropic.core.http.Headers;
import com.anthropic.core.http.HttpResponse;
import dev.tolk.core.anthropic.AnthropicError;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/** An SDK {@link HttpResponse} produced in-process: status, Anthropic headers, and a body stream. */
final class InProcessResponse implements HttpResponse {
    private final int status;
    private final Headers headers;
    private final InputStream body;

    InProcessResponse(int status, Headers headers, InputStream body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    static InProcessResponse json(int status, byte[] body, String requestId) {
        return new InProcessResponse(status, Headers.builder().put("content-type", "application/json")
                .put("request-id", requestId).build(), new ByteArrayInputStream(body));
    }

    static InProcessResponse error(AnthropicError e, String requestId) {
        Headers.Builder h = Headers.builder().put("content-type", "application/json").put("request-id", requestId);
        e.retryAfterSeconds().ifPresent(s -> h.put("retry-after", Long.toString(s)));
        return new InProcessResponse(e.status(), h.build(), new ByteArrayInputStream(e.toJson(requestId)));
    }

    /** Whether the body is a translated stream (it ends the request when it ends). */
    boolean streaming() {
        return body instanceof TranslatingStream;
    }

    @Override
    public int statusCode() {
        return status;
    }

    @Override
    public Headers headers() {
        return headers;
    }

    @Override
    public InputStream body() {
        return body;
    }

    /** Closing the response closes the body, which for a stream aborts the upstream request. */
    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException e) {
            // nothing more to release
        }
    }
}
