package dev.tolk.server.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Request;

/**
 * Watches for a client that hangs up while the gateway waits on the upstream without writing (a non-streaming
 * request, or a stream before the upstream's headers). Jetty reads nothing from a connection while its request is
 * handled, so the close would otherwise surface only at the next write; a non-blocking read of the socket every
 * {@value #POLL_MILLIS} ms returns -1 as soon as the client is gone, and {@code onGone} aborts the upstream request.
 * Anthropic SDKs and Claude Code never pipeline HTTP/1.1 requests, so the probe cannot take bytes of a next request.
 */
final class ClientWatch implements AutoCloseable {
    static final long POLL_MILLIS = 100;

    private final Thread thread;
    private volatile boolean closed;

    ClientWatch(Request request, Runnable onGone) {
        thread = Thread.ofVirtual().name("tolk-watch").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                if (!closed && gone(request)) {
                    onGone.run();
                    return;
                }
            }
        });
    }

    static boolean gone(Request request) {
        EndPoint ep = request.getConnectionMetaData().getConnection().getEndPoint();
        if (!ep.isOpen()) {
            return true;
        }
        if (ep instanceof SocketChannelEndPoint s) {
            try {
                return s.getChannel().read(ByteBuffer.allocate(1)) < 0;
            } catch (IOException e) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
