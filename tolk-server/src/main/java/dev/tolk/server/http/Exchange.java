package dev.tolk.server.http;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/** One client request in flight: Jetty's request/response, our ids, and what the access log reports. */
final class Exchange {
    final Request request;
    final Response response;
    final String requestId;
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

    Exchange(Request request, Response response, String requestId) {
        this.request = request;
        this.response = response;
        this.requestId = requestId;
    }
}
