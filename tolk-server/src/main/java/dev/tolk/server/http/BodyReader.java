package dev.tolk.server.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * Reads a request body of declared length into one array without a thread of its own: each chunk is copied as it
 * arrives, and the read goes on on the thread that delivers the next chunk. Jetty's {@code asByteArrayAsync} demands
 * with a plain {@code Runnable}, which Jetty must treat as blocking, so every further read of a body that does not
 * come in the first one (Claude Code sends 20–90 KB) was handed to a pool thread; this demand declares itself
 * non-blocking (copying bytes never blocks), so Jetty runs it on its I/O thread.
 */
final class BodyReader implements Runnable, Invocable {
    private final Content.Source source;
    private final byte[] body;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private int filled;

    private BodyReader(Content.Source source, int length) {
        this.source = source;
        this.body = new byte[length];
    }

    /** The body, exactly {@code length} bytes; completes exceptionally when the source fails or its length differs. */
    static CompletableFuture<byte[]> read(Content.Source source, int length) {
        BodyReader r = new BodyReader(source, length);
        r.run();
        return r.result;
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public void run() {
        while (true) {
            Content.Chunk chunk = source.read();
            if (chunk == null) {
                source.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                if (!chunk.isLast()) {
                    source.fail(chunk.getFailure()); // a transient failure (an idle timeout): the body is not read on
                }
                result.completeExceptionally(chunk.getFailure());
                return;
            }
            ByteBuffer bytes = chunk.getByteBuffer();
            int n = bytes.remaining();
            if (n > body.length - filled) {
                chunk.release();
                fail(new IOException("the request body is longer than its Content-Length"));
                return;
            }
            bytes.get(body, filled, n);
            filled += n;
            boolean last = chunk.isLast();
            chunk.release();
            if (last) {
                if (filled == body.length) {
                    result.complete(body);
                } else {
                    fail(new IOException("the request body is shorter than its Content-Length"));
                }
                return;
            }
        }
    }

    private void fail(IOException e) {
        source.fail(e);
        result.completeExceptionally(e);
    }
}
