package dev.tolk.server.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;

/**
 * The span of one send of a request to an upstream (kind CLIENT, child of the {@link RequestSpan}): which upstream,
 * the URL, the attempt number and why it was sent again, the upstream's HTTP status. It ends when the upstream
 * exchange is over (a stream's whole body read or aborted), or when no response came.
 */
public final class AttemptSpan {
    private final Span span;
    private final String[] traceHeaders;

    AttemptSpan(Span span, String[] traceHeaders) {
        this.span = span;
        this.traceHeaders = traceHeaders;
    }

    /** The trace-context headers for the upstream request, name then value ({@code traceparent}, …). */
    public String[] traceHeaders() {
        return traceHeaders;
    }

    /** The upstream exchange is over with HTTP status {@code status}. */
    public void ended(int status) {
        span.setAttribute(GenAi.HTTP_STATUS, (long) status);
        if (status >= 400) {
            span.setAttribute(GenAi.ERROR_TYPE, Integer.toString(status));
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }

    /** No response came: refused, reset, timed out ({@code detail} says which in words). */
    public void failed(Throwable failure, String detail) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        span.setAttribute(GenAi.ERROR_TYPE, root.getClass().getName());
        span.setStatus(StatusCode.ERROR, detail);
        span.end();
    }
}
