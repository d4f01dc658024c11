package dev.tolk.core.dispatch;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.translate.error.ErrorMapping;
import dev.tolk.core.translate.request.TranslatedRequest;
import dev.tolk.core.translate.response.TranslatedResponse;
import dev.tolk.core.translate.stream.StreamOutcome;

/**
 * The rules around sending a translated request upstream, written once for the gateway and the in-process SDK
 * adapter, which only send and relay. Pure decisions: no I/O, no threads, no clock.
 *
 * <ol>
 *   <li>{@link #first}: {@code max_tokens} clamped to the model's window ({@link ContextClamp}) and the tool-choice
 *       fallback already learned for the model applied ({@link ToolChoiceFallback}).</li>
 *   <li>After a non-200 answer, {@link #afterError} climbs the ladder: vLLM's "auto tool choice requires
 *       --enable-auto-tool-choice" 400 → retry with {@code tool_choice: "none"}; a context overflow → "prompt is
 *       too long" or one retry with the exact room; anything else → the mapped Anthropic error
 *       ({@link ErrorMapping}). {@link #afterNoAnswer} and {@link #afterBrokenBody} decide for an upstream that
 *       never answered or broke off. With several upstreams ({@link Fleet}), an upstream that did not answer or
 *       answered 429/502/503/504/529 hands the request to the route's next upstream, within the retry budget.</li>
 *   <li>{@link #answered} and {@link #streamEnded} teach the {@link PromptSizeEstimator} the exact prompt size;
 *       {@link #promptEstimate} is a stream's {@code message_start} input-token count.</li>
 * </ol>
 */
public final class DispatchPolicy {
    /** How much of an upstream error body is read: enough for any vLLM error, bounded against a misbehaving one. */
    public static final int MAX_ERROR_BODY = 1 << 20;

    private final ContextWindows windows;
    private final PromptSizeEstimator estimator = new PromptSizeEstimator();
    private final ContextClamp clamp = new ContextClamp(estimator);
    private final ToolChoiceFallback toolFallback;
    private final Fleet fleet;

    /** One upstream. {@code recoverTextToolCalls}: the option that makes the tool-choice fallback worth doing. */
    public DispatchPolicy(boolean recoverTextToolCalls, ContextWindows windows) {
        this(recoverTextToolCalls, windows, Fleet.single("upstream"));
    }

    /** A fleet of upstreams: {@code windows} gives each model's smallest window over the upstreams serving it. */
    public DispatchPolicy(boolean recoverTextToolCalls, ContextWindows windows, Fleet fleet) {
        this.windows = windows;
        this.toolFallback = new ToolChoiceFallback(recoverTextToolCalls);
        this.fleet = fleet;
    }

    public Fleet fleet() {
        return fleet;
    }

    /** The first attempt for a freshly translated request. */
    public Attempt first(TranslatedRequest translated) {
        return first(translated, RoutingHint.NONE);
    }

    /**
     * The first attempt for a freshly translated request, to the upstream the fleet's routing chooses for it
     * ({@link Fleet#route}); with one upstream nothing is computed.
     */
    public Attempt first(TranslatedRequest translated, RoutingHint hint) {
        TranslatedRequest clamped = clamp.beforeSend(translated, windows.windowOf(translated.facts().upstreamModel()));
        TranslatedRequest tr = toolFallback.beforeSend(clamped);
        if (fleet.size() == 1) {
            return Attempt.first(tr);
        }
        fleet.routed();
        return Attempt.first(tr, fleet.route(tr.facts().upstreamModel(), hint, tr.chat()));
    }

    /** The configured name of the upstream {@code sent} went to (what a message thread records as its answerer). */
    public String upstreamName(Attempt sent) {
        return fleet.member(sent.upstream()).name();
    }

    /**
     * The upstream answered {@code sent} with {@code status} ≠ 200 and {@code body} (at most {@link #MAX_ERROR_BODY}
     * bytes); {@code retryAfter} is its header value or null.
     */
    public Decision afterError(Attempt sent, int status, byte[] body, String retryAfter) {
        if (ejects(status)) {
            fleet.failed(sent.upstream());
        }
        if ((status == 429 || ejects(status)) && fleet.mayFailOver(sent)) {
            return failover(sent);
        }
        Decision d = toolFallback.afterRejection(sent, status, body);
        if (d == null) {
            d = clamp.afterOverflow(sent, status, body, windows.windowOf(sent.upstreamModel()));
        }
        if (d == null) {
            AnthropicError e = ErrorMapping.fromUpstream(status, body, retryAfter);
            d = new Decision.Fail(e, e.status() >= 500 ? "http_" + status : null);
        }
        return d;
    }

    /** {@code sent} got no answer: the upstream refused the connection, reset it before the headers, or timed out. */
    public Decision afterNoAnswer(Attempt sent, String detail) {
        fleet.failed(sent.upstream());
        if (fleet.mayFailOver(sent)) {
            return failover(sent);
        }
        return new Decision.Fail(ErrorMapping.unreachable(detail), "unreachable");
    }

    private Decision failover(Attempt sent) {
        Attempt next = sent.failover();
        fleet.movedTo(next.route(), next.upstream());
        return new Decision.Retry(next);
    }

    /**
     * The statuses that eject an upstream and move the request to the next one: the gateway-ish 502/503/504 and
     * 529. A plain 500 from vLLM is most often about the request itself (a template that cannot render it), which
     * another upstream would refuse too, so it is answered as it is.
     */
    static boolean ejects(int status) {
        return status == 502 || status == 503 || status == 504 || status == 529;
    }

    /**
     * The upstream answered {@code sent} with 200 but its body broke off before the end (a non-streaming answer).
     * Never retried: the upstream may have generated the whole answer already.
     */
    public Decision.Fail afterBrokenBody(Attempt sent, String detail) {
        return new Decision.Fail(AnthropicError.api("upstream connection failed while reading the response: "
                + detail), "read");
    }

    /** The input-token count a stream's {@code message_start} reports before the upstream has said it. */
    public long promptEstimate(Attempt sent) {
        return estimator.estimate(sent.upstreamModel(), sent.bodyBytes());
    }

    /** The estimated prompt tokens of a translated request before it is sent (a key's tokens-per-minute check). */
    public long promptEstimate(TranslatedRequest translated) {
        return estimator.estimate(translated.facts().upstreamModel(), translated.upstreamBody().length);
    }

    /** A non-streaming answer to {@code sent} came back: its usage is the exact prompt size. */
    public void answered(Attempt sent, TranslatedResponse response) {
        estimator.observe(sent.upstreamModel(), sent.bodyBytes(), response.inputTokens() + response.cacheReadTokens());
    }

    /** A stream for {@code sent} ended; only one that finished reports the exact prompt size. */
    public void streamEnded(Attempt sent, StreamOutcome outcome) {
        if (outcome.stopReason() != null) {
            estimator.observe(sent.upstreamModel(), sent.bodyBytes(),
                    outcome.usage().inputTokens() + outcome.usage().cacheReadInputTokens());
        }
    }
}
