package dev.tolk.server.http;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** One client request in flight: Jetty's request/response/callback, our ids, and what the access log reports. */
final class Exchange {
    final Request request;
    final Response response;
    final Callback callback;
    final String requestId;
    private final Runnable onComplete;
    private volatile boolean detached;
    final long startNanos = System.nanoTime();
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

    Exchange(Request request, Response response, Callback callback, String requestId, java.util.function.Consumer<Exchange> onComplete) {
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.requestId = requestId;
        this.onComplete = () -> onComplete.accept(this);
    }

    /** The response goes on after the handler returns; whoever took it over calls {@link #complete}. */
    void detach() {
        detached = true;
    }

    boolean detached() {
        return detached;
    }

    /** Completes a detached exchange: Jetty's callback, then the access log. */
    void complete(Throwable failure) {
        try {
            if (failure == null) {
                callback.succeeded();
            } else {
                callback.failed(failure);
            }
        } finally {
            onComplete.run();
        }
    }
}
