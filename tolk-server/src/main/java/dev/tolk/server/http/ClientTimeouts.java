package dev.tolk.server.http;

import java.time.Duration;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Two idle timeouts on a client connection. While a request's headers are arriving, and while a keep-alive
 * connection waits for the next request, the short header timeout applies: a client that trickles its headers or
 * holds a connection open without using it (slowloris) is disconnected. While a request is being served the long
 * one applies: a non-streaming answer may take minutes to generate with nothing written meanwhile.
 *
 * <p>The connector's own idle timeout must be the header timeout, so that it holds before the first request.
 */
public final class ClientTimeouts extends Handler.Wrapper {
    private final long headerMillis;
    private final long serveMillis;

    public ClientTimeouts(Handler next, Duration headerTimeout, Duration serveTimeout) {
        super(next);
        this.headerMillis = headerTimeout.toMillis();
        this.serveMillis = serveTimeout.toMillis();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        endPoint.setIdleTimeout(serveMillis);
        Callback restore = Callback.from(() -> endPoint.setIdleTimeout(headerMillis), callback); // before the next request
        return super.handle(request, response, restore);
    }
}
