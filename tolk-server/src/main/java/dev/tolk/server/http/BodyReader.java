package dev.tolk.server.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * Reads a request body into one array without a thread of its own: each chunk is copied as it arrives, and the read
 * goes on on the thread that delivers the next chunk. Jetty's {@code asByteArrayAsync} demands with a plain
 * {@code Runnable}, which Jetty must treat as blocking, so every further read of a body that does not come in the
 * first one (Claude Code sends 20–90 KB) was handed to a pool thread; this demand declares itself non-blocking
 * (copying bytes never blocks), so Jetty runs it on its I/O thread.
 *
 * <p>A body of declared length is read into an array of exactly that size; one without (chunked) into an array that
 * grows up to the limit. More than the limit fails with {@link TooLarge} (answered 413) without the source being
 * failed; a source that fails, or a body that differs from its declared length, fails with that error (the client
 * left: 499).
 */
final class BodyReader implements Runnable, Invocable {
    private final Content.Source source;
    private final boolean declared;
    private final int limit;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private byte[] body;
    private int filled;

    /** More bytes than the limit; the message is the client's to read. */
    static final class TooLarge extends IOException {
        TooLarge(String message) {
            super(message);
        }
    }

    private BodyReader(Content.Source source, long length, int limit) {
        this.source = source;
        this.declared = length >= 0;
        this.limit = limit;
        this.body = new byte[declared ? (int) length : Math.min(limit, 16 * 1024)];
    }

    /**
     * The body: exactly {@code length} bytes when declared ({@code length ≥ 0}), else whatever comes up to
     * {@code limit}. A declared length over the limit fails at once, before a byte is read.
     */
    static CompletableFuture<byte[]> read(Content.Source source, long length, int limit) {
        if (length > limit) {
            return CompletableFuture.failedFuture(new TooLarge("request body of " + length
                    + " bytes exceeds the limit of " + limit + " bytes"));
        }
        BodyReader r = new BodyReader(source, length, limit);
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
            if (n > body.length - filled && !room(n)) {
                chunk.release();
                return;
            }
            bytes.get(body, filled, n);
            filled += n;
            boolean last = chunk.isLast();
            chunk.release();
            if (last) {
                if (!declared) {
                    result.complete(filled == body.length ? body : Arrays.copyOf(body, filled));
                } else if (filled == body.length) {
                    result.complete(body);
                } else {
                    fail(new IOException("the request body is shorter than its Content-Length"));
                }
                return;
            }
        }
    }

    /** Makes room for {@code n} more bytes, or fails the read: longer than declared, or over the limit. */
    private boolean room(int n) {
        if (declared) {
            fail(new IOException("the request body is longer than its Content-Length"));
            return false;
        }
        if ((long) filled + n > limit) {
            result.completeExceptionally(new TooLarge("request body exceeds the limit of " + limit + " bytes"));
            return false;
        }
        body = Arrays.copyOf(body, (int) Math.min(limit, Math.max((long) filled + n, 2L * body.length)));
        return true;
    }

    private void fail(IOException e) {
        source.fail(e);
        result.completeExceptionally(e);
    }
}
