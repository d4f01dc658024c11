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

        /**
         * Optional shortcut past the line scan. At the start of an event whose line begins with {@code data: },
         * {@code buf[off, end)} is the input after that prefix; a listener that recognises the data there without
         * looking for the line's end (e.g. as a chunk it has seen with other text) returns its length, else -1. It
         * must remember nothing: the answer is acted on, if at all, by the {@link #onRecognisedData} call that
         * follows at once. The recognised data must hold no CR or LF.
         */
        default int recognisedDataLength(byte[] buf, int off, int end) {
            return -1;
        }

        /**
         * The data {@link #recognisedDataLength} has just measured, when a blank line follows it at once
         * ({@code \n\n}): it is a whole event, handed over without a scan or a copy, instead of {@link #onData}.
         * When no blank line follows, the line is decoded as usual and its data comes to {@link #onData}.
         */
        default void onRecognisedData(byte[] buf, int off, int len) {
            onData(buf, off, len);
        }
    }

    private static final byte[] EMPTY = new byte[0];
    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private final Listener listener;
    private byte[] line = EMPTY; // allocated when a line spans two reads
    private int lineLen;
    private byte[] data = EMPTY; // allocated when an event's data must outlive the read it came in
    private int dataLen;
    private boolean hasData;
    private boolean lastWasCr;
    // The common event, one data line whose line end is in the current read, is not copied: it is remembered here
    // and handed to the listener straight from the read's bytes when its blank line comes (or copied into data at
    // the end of the read when the blank line is not in it).
    private byte[] pendingBuf;
    private int pendingOff;
    private int pendingLen;

    public SseDecoder(Listener listener) {
        this.listener = listener;
    }

    public void feed(ByteBuffer bytes) {
        if (bytes.hasArray()) {
            feed(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
            bytes.position(bytes.limit());
        } else {
            byte[] copy = new byte[bytes.remaining()];
            bytes.get(copy);
            feed(copy, 0, copy.length);
        }
    }

    public void feed(byte[] buf, int off, int len) {
        int i = off;
        int end = off + len;
        while (i < end) {
            if (lastWasCr) {
                lastWasCr = false;
                if (buf[i] == '\n') {
                    i++; // the LF of a CRLF split across reads
                    continue;
                }
            }
            if (lineLen == 0 && !hasData && end - i > 8 && isDataPrefix(buf, i)) {
                int n = listener.recognisedDataLength(buf, i + 6, end);
                int k = i + 6 + n;
                if (n >= 0 && n <= MAX_EVENT_BYTES && k + 1 < end && buf[k] == '\n' && buf[k + 1] == '\n') {
                    listener.onRecognisedData(buf, i + 6, n); // a one-line event the listener recognised: no scan
                    i = k + 2;
                    continue;
                }
            }
            int j = lineEnd(buf, i, end);
            if (j == end) {
                appendToLine(buf, i, j - i); // an unfinished line: keep it for the next read
                break;
            }
            if (lineLen == 0) {
                processLine(buf, i, j - i); // the whole line is in this read: no copy
            } else {
                appendToLine(buf, i, j - i);
                processLine(line, 0, lineLen);
                lineLen = 0;
            }
            lastWasCr = buf[j] == '\r';
            i = j + 1;
        }
        keepPending();
    }

    /** {@code data: } at {@code buf[i]} (the form every OpenAI-compatible server writes). */
    private static boolean isDataPrefix(byte[] buf, int i) {
        return buf[i] == 'd' && buf[i + 1] == 'a' && buf[i + 2] == 't' && buf[i + 3] == 'a' && buf[i + 4] == ':'
                && buf[i + 5] == ' ';
    }

    /**
     * The index of the first CR or LF in {@code buf[from, end)}, or {@code end}. Eight bytes at a time: a byte equal
     * to CR or LF becomes zero after the XOR, and {@code (v - 0x01…) & ~v & 0x80…} marks the lowest zero byte exactly
     * (a borrow can only mark bytes above it); the lowest mark is the first match, the words being little-endian.
     */
    static int lineEnd(byte[] buf, int from, int end) {
        int i = from;
        while (i + 8 <= end) {
            long w = (long) LONGS.get(buf, i);
            long lf = w ^ 0x0A0A0A0A0A0A0A0AL;
            long cr = w ^ 0x0D0D0D0D0D0D0D0DL;
            long marks = ((lf - 0x0101010101010101L) & ~lf | (cr - 0x0101010101010101L) & ~cr) & 0x8080808080808080L;
            if (marks != 0) {
                return i + (Long.numberOfTrailingZeros(marks) >>> 3);
            }
            i += 8;
        }
        while (i < end && buf[i] != '\n' && buf[i] != '\r') {
            i++;
        }
        return i;
    }

    /** End of input: delivers a pending event that lacked its terminating blank line. */
    public void finish() {
        if (lineLen > 0) {
            processLine(line, 0, lineLen);
            lineLen = 0;
        }
        dispatch();
    }

    private void appendToLine(byte[] src, int from, int n) {
        if (lineLen + n > line.length) {
            line = grow(line, lineLen + n);
        }
        System.arraycopy(src, from, line, lineLen, n);
        lineLen += n;
    }

    private void processLine(byte[] l, int from, int len) {
        if (len == 0) {
            dispatch();
            return;
        }
        if (l[from] == ':') {
            return;
        }
        if (len >= 5 && l[from] == 'd' && l[from + 1] == 'a' && l[from + 2] == 't' && l[from + 3] == 'a'
                && l[from + 4] == ':') {
            int start = from + 5;
            if (start < from + len && l[start] == ' ') {
                start++;
            }
            int n = from + len - start;
            if (!hasData && l != line) {
                pendingBuf = l; // the whole line is in the caller's bytes: no copy unless the read ends first
                pendingOff = start;
                pendingLen = n;
                if (n > MAX_EVENT_BYTES) {
                    throw new IllegalStateException("SSE event larger than " + MAX_EVENT_BYTES + " bytes");
                }
                hasData = true;
                return;
            }
            keepPending();
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
            byte[] p = pendingBuf;
            if (p != null) {
                pendingBuf = null;
                listener.onData(p, pendingOff, pendingLen);
                return;
            }
            int n = dataLen;
            dataLen = 0;
            listener.onData(data, 0, n);
        }
    }

    /** Copies the pending line into {@code data}: its bytes are about to be reused, or another line follows. */
    private void keepPending() {
        byte[] p = pendingBuf;
        if (p != null) {
            pendingBuf = null;
            ensureData(pendingLen);
            System.arraycopy(p, pendingOff, data, 0, pendingLen);
            dataLen = pendingLen;
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
        int n = Math.max(min, Math.max(256, a.length * 2));
        byte[] b = new byte[Math.min(n, MAX_EVENT_BYTES)];
        System.arraycopy(a, 0, b, 0, a.length);
        return b;
    }
}
