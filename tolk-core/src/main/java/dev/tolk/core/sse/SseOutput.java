package dev.tolk.core.sse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer that collects outgoing SSE frames between two writes to the network. Reuse one per
 * stream: {@link #writeTo} or {@link #toByteArray}, then {@link #reset}. Also an {@link OutputStream}, so a Jackson
 * generator can write JSON straight into it.
 */
public final class SseOutput extends OutputStream {
    private byte[] buf;
    private int len;

    public SseOutput() {
        this(1024);
    }

    public SseOutput(int initialCapacity) {
        buf = new byte[initialCapacity];
    }

    @Override
    public void write(int b) {
        ensure(len + 1);
        buf[len++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int n) {
        ensure(len + n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    /** Appends ASCII text (frame keywords). */
    public void writeAscii(String s) {
        int n = s.length();
        ensure(len + n);
        for (int i = 0; i < n; i++) {
            buf[len++] = (byte) s.charAt(i);
        }
    }

    /**
     * Appends {@code s} when every character is plain ({@link dev.tolk.core.json.Json#isPlainStringChar}): then its
     * bytes are also its JSON string content, nothing to escape. Otherwise appends nothing and returns false.
     */
    public boolean writePlainJsonStringContent(String s) {
        int n = s.length();
        ensure(len + n);
        byte[] b = buf;
        int at = len;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (!dev.tolk.core.json.Json.isPlainStringChar(c)) {
                return false;
            }
            b[at + i] = (byte) c;
        }
        len = at + n;
        return true;
    }

    /** Drops what was written after the first {@code size} bytes. */
    public void truncate(int size) {
        if (size < 0 || size > len) {
            throw new IllegalArgumentException("size " + size + " of " + len);
        }
        len = size;
    }

    /** Makes room for {@code extra} more bytes in one step (a burst would otherwise double the buffer many times). */
    public void reserve(int extra) {
        ensure(len + extra);
    }

    public boolean isEmpty() {
        return len == 0;
    }

    public int size() {
        return len;
    }

    public void reset() {
        len = 0;
    }

    public int capacity() {
        return buf.length;
    }

    /**
     * Continues in {@code storage} (what has been written so far is copied into it): lets the caller lend the output
     * a pooled array for a burst and take it back afterwards. The previous array is no longer used.
     */
    public void adopt(byte[] storage) {
        if (storage.length < len) {
            throw new IllegalArgumentException("storage of " + storage.length + " bytes for " + len + " written");
        }
        System.arraycopy(buf, 0, storage, 0, len);
        buf = storage;
    }

    public void writeTo(OutputStream out) throws IOException {
        out.write(buf, 0, len);
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    /** A view of the current content; valid until the next write or reset. */
    public ByteBuffer asByteBuffer() {
        return ByteBuffer.wrap(buf, 0, len);
    }

    @Override
    public String toString() {
        return new String(buf, 0, len, StandardCharsets.UTF_8);
    }

    private void ensure(int needed) {
        if (needed > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(needed, buf.length * 2));
        }
    }
}
