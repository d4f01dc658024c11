package dev.tolk.server.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Request;

/**
 * Watches for a client that hangs up while the gateway waits on the upstream without writing (a non-streaming
 * request, or a stream before the upstream's headers), and for a stream's upstream that has not sent its response
 * head by its deadline ({@code upstream-head-timeout-seconds}: vLLM sends a stream's head at once, so one that
 * accepted the request and says nothing is dead or stuck, and the request fails over). Jetty reads nothing from a connection while its request is
 * handled, so the close would otherwise surface only at the next write; a non-blocking read of the socket every
 * {@value #POLL_MILLIS} ms returns -1 as soon as the client is gone, and {@code onGone} aborts the upstream request.
 * Anthropic SDKs and Claude Code never pipeline HTTP/1.1 requests, so the probe cannot take bytes of a next request.
 */
final class ClientWatch implements AutoCloseable {
    static final long POLL_MILLIS = 100;

    private final Request request;
    private final Runnable onGone;
    private final long headDeadline;
    private final Runnable onNoHead;
    private final Ticker<ClientWatch> ticker;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean closed;

    /** Probed by the server's shared {@code ticker} (period {@value #POLL_MILLIS} ms): no timer per watched request. */
    ClientWatch(Request request, Runnable onGone, Ticker<ClientWatch> ticker) {
        this(request, onGone, ticker, Long.MAX_VALUE, null);
    }

    /** As above; and {@code onNoHead} runs once {@code System.nanoTime()} passes {@code headDeadline} (null: never). */
    ClientWatch(Request request, Runnable onGone, Ticker<ClientWatch> ticker, long headDeadline, Runnable onNoHead) {
        this.request = request;
        this.onGone = onGone;
        this.headDeadline = headDeadline;
        this.onNoHead = onNoHead;
        this.ticker = ticker;
        ticker.add(this, request.getComponents().getScheduler());
    }

    /** One probe; {@link Ticker} calls it every period until the watch is closed. */
    void probe() {
        boolean late;
        lock.lock(); // close() waits for a probe in progress, so no probe can read what the client sends next
        try {
            if (closed) {
                return;
            }
            late = !gone(request);
            if (late && (onNoHead == null || System.nanoTime() - headDeadline < 0)) {
                return;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        ticker.remove(this);
        (late ? onNoHead : onGone).run();
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
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
        ticker.remove(this);
    }
}
