package dev.tolk.server.tracing;

import dev.tolk.core.dispatch.Attempt;
import dev.tolk.core.dispatch.RetryReason;
import dev.tolk.core.openai.request.ChatCompletionRequest;
import dev.tolk.core.translate.RequestFacts;
import dev.tolk.core.translate.request.TranslatedRequest;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The span of one {@code POST /v1/messages} (kind SERVER, named {@code chat {model the client asked for}}), in the
 * client's trace: the request as the client made it, then how it ended (status, usage, stop reason, time to first
 * token). Each send upstream is a child {@link AttemptSpan}; a retry or failover is an event. No prompt or completion
 * text is recorded. The gateway calls it from whichever thread the request is on; calls for one request never overlap.
 */
public final class RequestSpan {
    static final String SESSION_HEADER = "x-claude-code-session-id";

    private final OtelTracing tracing;
    private final Span span;
    private final Context context;
    private boolean stream;

    RequestSpan(OtelTracing tracing, Span span, Context context) {
        this.tracing = tracing;
        this.span = span;
        this.context = context;
    }

    /** The request as translated: the model the client asked for and its generation settings. */
    public void translated(TranslatedRequest tr) {
        RequestFacts f = tr.facts();
        stream = f.stream();
        span.updateName("chat " + f.clientModel());
        span.setAttribute(GenAi.REQUEST_MODEL, f.clientModel());
        span.setAttribute(GenAi.MAX_TOKENS, (long) f.maxTokens());
        if (f.stream()) {
            span.setAttribute(GenAi.STREAM, true);
        }
        ChatCompletionRequest c = tr.chat();
        if (c.temperature() != null) {
            span.setAttribute(GenAi.TEMPERATURE, c.temperature());
        }
        if (c.topP() != null) {
            span.setAttribute(GenAi.TOP_P, c.topP());
        }
        if (c.topK() != null) {
            span.setAttribute(GenAi.TOP_K, (long) c.topK());
        }
        if (!f.stopSequences().isEmpty()) {
            span.setAttribute(GenAi.STOP_SEQUENCES, f.stopSequences());
        }
        if (c.reasoningEffort() != null) {
            span.setAttribute(GenAi.REASONING_LEVEL, c.reasoningEffort());
        }
    }

    /**
     * Starts the child span of {@code attempt}, sent to upstream {@code upstream} at {@code base} + {@code path}; its
     * {@link AttemptSpan#traceHeaders()} go on the upstream request so that the upstream's own spans join the trace.
     */
    public AttemptSpan attempt(Attempt attempt, String upstream, URI base, String path, boolean anthropicUpstream) {
        String model = attempt.upstreamModel();
        var b = tracing.tracer.spanBuilder("chat " + model).setParent(context).setSpanKind(SpanKind.CLIENT)
                .setAttribute(GenAi.OPERATION, "chat")
                .setAttribute(GenAi.PROVIDER, anthropicUpstream ? "anthropic" : "vllm")
                .setAttribute(GenAi.REQUEST_MODEL, model)
                .setAttribute(GenAi.MAX_TOKENS, (long) attempt.request().maxTokens())
                .setAttribute(GenAi.UPSTREAM, upstream)
                .setAttribute(GenAi.ATTEMPT, (long) attempt.number())
                .setAttribute(GenAi.HTTP_METHOD, "POST")
                .setAttribute(GenAi.URL_FULL, base.getScheme() + "://" + base.getHost() + portPart(base) + path)
                .setAttribute(GenAi.SERVER_ADDRESS, base.getHost())
                .setAttribute(GenAi.SERVER_PORT, (long) port(base));
        if (attempt.reason() != null) {
            b.setAttribute(GenAi.RETRY_REASON, reason(attempt.reason()));
        }
        Span s = b.startSpan();
        List<String> headers = new ArrayList<>(4);
        tracing.propagator.inject(context.with(s), headers, (carrier, name, value) -> {
            carrier.add(name);
            carrier.add(value);
        });
        return new AttemptSpan(s, headers.toArray(String[]::new));
    }

    /** The request goes upstream once more ({@code next}), from upstream {@code from} to {@code to}. */
    public void retried(Attempt next, String from, String to) {
        span.addEvent(next.reason() == RetryReason.FAILOVER ? "tolk.failover" : "tolk.retry", Attributes.builder()
                .put(GenAi.RETRY_REASON, reason(next.reason()))
                .put(GenAi.UPSTREAM_FROM, from)
                .put(GenAi.UPSTREAM, to)
                .put(GenAi.ATTEMPT, (long) next.number())
                .build());
    }

    /** The id of the message the client gets ({@code msg_…}). */
    public void responseId(String messageId) {
        span.setAttribute(GenAi.RESPONSE_ID, messageId);
    }

    /**
     * Ends the span with how the request ended: {@code inputTokens} are the uncached ones (Anthropic's
     * {@code input_tokens}; the span's {@code gen_ai.usage.input_tokens} includes the cached ones, as the conventions
     * ask), {@code stopReason} an Anthropic stop reason or {@code error:TYPE}, {@code ttftNanos} −1 when no token
     * came.
     */
    public void ended(int status, String upstreamModel, String upstream, String key, long inputTokens,
                      long cachedTokens, long outputTokens, String stopReason, long ttftNanos, String note) {
        span.setAttribute(GenAi.HTTP_STATUS, (long) status);
        if (upstreamModel != null) {
            span.setAttribute(GenAi.RESPONSE_MODEL, upstreamModel);
        }
        if (upstream != null) {
            span.setAttribute(GenAi.UPSTREAM, upstream);
        }
        if (key != null && !"-".equals(key)) {
            span.setAttribute(GenAi.KEY, key);
        }
        if (note != null) {
            span.setAttribute(GenAi.NOTE, note);
        }
        String error = stopReason != null && stopReason.startsWith("error:") ? stopReason.substring(6) : null;
        if (status == 200) {
            if (stopReason != null) { // an answer Tolk translated (a passthrough upstream's usage is not read)
                span.setAttribute(GenAi.INPUT_TOKENS, inputTokens + cachedTokens);
                span.setAttribute(GenAi.CACHE_READ_TOKENS, cachedTokens);
                span.setAttribute(GenAi.OUTPUT_TOKENS, outputTokens);
                span.setAttribute(GenAi.FINISH_REASONS, List.of(error == null ? stopReason : "error"));
            }
            if (stream && ttftNanos >= 0) {
                span.setAttribute(GenAi.TIME_TO_FIRST_CHUNK, ttftNanos / 1e9);
            }
        } else if (error == null) {
            error = status == 499 ? "client_cancelled" : Integer.toString(status);
        }
        if (error != null) {
            span.setAttribute(GenAi.ERROR_TYPE, error);
            if (status >= 500 || status == 200) { // a client's mistake (4xx) is not the gateway's error
                span.setStatus(StatusCode.ERROR, error);
            }
        }
        span.end();
    }

    private static String reason(RetryReason r) {
        return r.name().toLowerCase(Locale.ROOT);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static String portPart(URI u) {
        return u.getPort() >= 0 ? ":" + u.getPort() : "";
    }

    /** A client's header as an attribute: at most 200 characters, printable ASCII only. */
    static String printable(String s) {
        int n = Math.min(s.length(), 200);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            sb.append(c > ' ' && c < 127 ? c : '?');
        }
        return sb.toString();
    }
}
