package dev.tolk.core.sse;

import java.nio.ByteBuffer;

/**
 * Byte-level decoder of an OpenAI-style Server-Sent Events stream ({@code data: <json>} events, protocol.md §B.4).
 *
 * <p>Feed it bytes in whatever pieces the network delivers: lines may end in LF, CRLF or CR (a CR at the end of
 * one read and the LF at the start of the next count as one line end), multi-byte UTF-8 characters may be split
 * anywhere (the decoder works on bytes and hands out whole events), {@code :} comment lines and {@code event:},
 * {@code id:} and {@code retry:} fields are ignored, and several {@code data:} lines of one event are joined with
 * LF as the SSE specification says. Each complete event's data is passed to the {@link Listener}; the byte array
 * passed is reused, so the listener must consume it before returning.
 *
 * <pre>{@code
 * SseDecoder d = new SseDecoder((buf, off, len) -> handle(buf, off, len));
 * d.feed(bytesFromNetwork);   // any number of times
 * d.finish();                 // at EOF: an event not yet terminated by a blank line is still delivered
 * }</pre>
 *
 * <p>Not thread-safe. An event larger than {@link #MAX_EVENT_BYTES} raises {@link IllegalStateException}.
 */
public final class SseDecoder {
    /** Largest accepted event; vLLM chunks are small, so anything near this is a broken upstream. */
    public static final int MAX_EVENT_BYTES = 64 * 1024 * 1024;

    /** Receives the data of one complete event. */
    @FunctionalInterface
    public interface Listener {
        void onData(byte[] buf, int off, int len);
    }

    private final Listener listener;
    private byte[] line = new byte[512];
    private int lineLen;
    private byte[] data = new byte[1024];
    private int dataLen;
    private boolean hasData;
    private boolean lastWasCr;

    public SseDecoder(Listener listener) {
        this.listener = listener;
    }

    public void feed(ByteBuffer bytes) {
        if (bytes.hasArray()) {
            feed(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
            bytes.position(bytes.limit());
        } else {
            while (bytes.hasRemaining()) {
                accept(bytes.get());
            }
        }
    }

    public void feed(byte[] buf, int off, int len) {
        int end = off + len;
        for (int i = off; i < end; i++) {
            accept(buf[i]);
        }
    }

    /** End of input: delivers a pending event that lacked its terminating blank line. */
    public void finish() {
        if (lineLen > 0) {
            processLine();
        }
        dispatch();
    }

    private void accept(byte b) {
        if (b == '\n') {
            if (lastWasCr) {
                lastWasCr = false;
                return;
            }
            processLine();
        } else if (b == '\r') {
            lastWasCr = true;
            processLine();
        } else {
            lastWasCr = false;
            if (lineLen == line.length) {
                line = grow(line, lineLen + 1);
            }
            line[lineLen++] = b;
        }
    }

    private void processLine() {
        int len = lineLen;
        lineLen = 0;
        if (len == 0) {
            dispatch();
            return;
        }
        byte[] l = line;
        if (l[0] == ':') {
            return;
        }
        if (len >= 5 && l[0] == 'd' && l[1] == 'a' && l[2] == 't' && l[3] == 'a' && l[4] == ':') {
            int start = 5;
            if (start < len && l[start] == ' ') {
                start++;
            }
            int n = len - start;
            if (hasData) {
                ensureData(dataLen + 1 + n);
                data[dataLen++] = '\n';
            } else {
                ensureData(n);
            }
            System.arraycopy(l, start, data, dataLen, n);
            dataLen += n;
            hasData = true;
        }
        // other fields (event:, id:, retry:) carry nothing Chat Completions uses
    }

    private void dispatch() {
        if (hasData) {
            hasData = false;
            int n = dataLen;
            dataLen = 0;
            listener.onData(data, 0, n);
        }
    }

    private void ensureData(int needed) {
        if (needed > MAX_EVENT_BYTES) {
            throw new IllegalStateException("SSE event larger than " + MAX_EVENT_BYTES + " bytes");
        }
        if (needed > data.length) {
            data = grow(data, needed);
        }
    }

    private static byte[] grow(byte[] a, int min) {
        if (min > MAX_EVENT_BYTES) {
            throw new IllegalStateException("SSE line larger than " + MAX_EVENT_BYTES + " bytes");
        }
        int n = Math.max(min, a.length * 2);
        byte[] b = new byte[Math.min(n, MAX_EVENT_BYTES)];
        System.arraycopy(a, 0, b, 0, a.length);
        return b;
    }
}
