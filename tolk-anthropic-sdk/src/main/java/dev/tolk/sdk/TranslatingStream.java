package dev.tolk.sdk;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.sse.SseOutput;
import dev.tolk.core.translate.stream.StreamOutcome;
import dev.tolk.core.translate.stream.UpstreamStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * The body of a streaming SDK response: reads vLLM's SSE from the upstream as the SDK reads, translating with
 * tolk-core's {@link UpstreamStream}. Nothing is buffered beyond one upstream read. {@link #close()} closes the
 * upstream body, which aborts the upstream request (the GPU stops). {@code ended} hears how the stream went once the
 * upstream's part is over, or once the stream is closed before that.
 */
final class TranslatingStream extends InputStream {
    private final InputStream upstream;
    private final UpstreamStream translator;
    private final Consumer<StreamOutcome> ended;
    private final SseOutput out = new SseOutput(8192);
    private final byte[] readBuf = new byte[16384];
    private byte[] pending = new byte[0];
    private int pos;
    private boolean upstreamDone;
    private volatile boolean closed;

    TranslatingStream(InputStream upstream, UpstreamStream translator, Consumer<StreamOutcome> ended) {
        this.upstream = upstream;
        this.translator = translator;
        this.ended = ended;
        translator.start(out);
        take();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        while (pos >= pending.length) {
            if (closed) {
                throw new IOException("stream closed");
            }
            if (upstreamDone) {
                return -1;
            }
            fill();
        }
        int n = Math.min(len, pending.length - pos);
        System.arraycopy(pending, pos, b, off, n);
        pos += n;
        return n;
    }

    private void fill() throws IOException {
        int n;
        try {
            n = upstream.read(readBuf);
        } catch (IOException e) {
            if (closed) {
                throw e;
            }
            translator.fail(AnthropicError.api("upstream connection failed mid-stream: " + e.getMessage()), out);
            done();
            take();
            return;
        }
        if (n < 0) {
            translator.end(out);
            done();
        } else {
            translator.feed(readBuf, 0, n, out);
            if (translator.isTerminated()) {
                done();
                upstream.close();
            }
        }
        take();
    }

    private void done() {
        upstreamDone = true;
        ended.accept(translator.outcome());
    }

    private void take() {
        translator.releaseBuffers();
        pending = out.toByteArray();
        pos = 0;
        out.reset();
    }

    /** Closing before the upstream's end ends the stream too ({@code ended} hears its outcome so far). */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            if (!upstreamDone) {
                done();
            }
            upstream.close();
        }
    }
}
