package dev.tolk.server.http;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One client request in flight: our request id and what the access log reports, made by {@link AccessLog} in front of
 * every other handler. It wraps Jetty's request ({@code Request.as(request, Exchange.class)} finds it) and is the
 * callback the handlers complete: completing it completes Jetty's and writes the access line.
 */
final class Exchange extends Request.Wrapper implements Callback {
    /** Jetty's request itself: the handlers read, watch and demand on it without a wrapper in between. */
    final Request request;
    final Response response;
    final String requestId;
    private final Callback jetty;
    private final AccessLog log;
    private volatile boolean detached;
    final long startNanos = System.nanoTime();
    final long startEpochMillis = System.currentTimeMillis();
    /** The key the request came with; set by {@link ClientAuthentication}. */
    dev.tolk.core.keys.ClientKey clientKey = dev.tolk.core.keys.ClientKey.ANONYMOUS;
    /** The name of the upstream the latest attempt went to, or null. */
    String upstream;
    String route;
    String clientModel;
    String upstreamModel;
    int status;
    long ttftNanos = -1;
    long inputTokens;
    long outputTokens;
    long cachedTokens;
    String stopReason;
    String note;
    /** The message of the Anthropic error the client was answered with (or its stream ended with), or null. */
    String errorMessage;
    /** The client's request body, kept only while a fleet has an upstream that speaks Anthropic (passthrough). */
    byte[] clientBody;
    /** Where the key's slot was taken ({@code Admission.begin}); given back with the tokens when the exchange ends. */
    dev.tolk.core.keys.KeyCounters keyCounters;
    /** The fair queue's reservation of a free slot until the upstream call begins, or null. */
    FairGate.Pass pass;
    /** How long the request waited in the fair queue, or -1 when it was not held. */
    long queuedNanos = -1;
    /** The request's message-thread turn, or null (no {@code thread} field); ended when the exchange completes. */
    dev.tolk.core.threads.ThreadTurn thread;
    /** The request's span when tracing is on (docs/tracing.md), else null; ended with the exchange. */
    dev.tolk.server.tracing.RequestSpan trace;

    Exchange(Request request, Response response, Callback callback, String requestId, String route, AccessLog log) {
        super(request);
        this.request = request;
        this.response = response;
        this.jetty = callback;
        this.requestId = requestId;
        this.route = route;
        this.log = log;
    }

    /** The exchange of a request that came through {@link AccessLog}. */
    static Exchange of(Request request) {
        return Request.as(request, Exchange.class);
    }

    /** The response goes on after the handler returns; whoever took it over calls {@link #complete}. */
    void detach() {
        detached = true;
    }

    boolean detached() {
        return detached;
    }

    /** Completes the exchange: Jetty's callback, then the access log. */
    void complete(Throwable failure) {
        if (failure == null) {
            succeeded();
        } else {
            failed(failure);
        }
    }

    @Override
    public void succeeded() {
        try {
            jetty.succeeded();
        } finally {
            ended();
        }
    }

    @Override
    public void failed(Throwable failure) {
        try {
            jetty.failed(failure);
        } finally {
            ended();
        }
    }

    private void ended() {
        if (thread != null) {
            thread.abandon(); // a turn whose reply was not stored unlocks the response it continued
        }
        FairGate.Pass p = pass;
        if (p != null) {
            p.ended();
        }
        dev.tolk.core.keys.KeyCounters c = keyCounters;
        if (c != null) { // the key's slot comes back whatever the outcome: answered, failed, client gone
            keyCounters = null;
            c.end(clientKey, inputTokens + cachedTokens + outputTokens, System.currentTimeMillis());
        }
        if (trace != null) { // after the slot: the client may already be sending its next request on this key
            trace.ended(status, upstreamModel, upstream, clientKey.name(), inputTokens, cachedTokens, outputTokens,
                    stopReason, ttftNanos, note);
        }
        log.completed(this);
    }

    @Override
    public InvocationType getInvocationType() {
        return jetty.getInvocationType();
    }
}
