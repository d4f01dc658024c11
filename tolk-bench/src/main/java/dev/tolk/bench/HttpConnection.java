package dev.tolk.bench;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal blocking HTTP/1.1 client connection that times one streaming exchange at a time: first response
 * byte, first text delta, end. Hand-written on purpose: it must add as little as possible of its own to the
 * numbers, and it must see the byte-level moment a delta arrives (an HTTP library buffers and parses events).
 */
final class HttpConnection implements Closeable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buf = new byte[16 * 1024];
    private boolean open = true;

    /** What one exchange produced; times in nanoseconds from just before the request was written. */
    record Exchange(int status, long firstByteNanos, long firstTextNanos, long totalNanos, long bodyBytes,
                    boolean complete, String errorBody) {
        boolean ok() {
            return status == 200 && complete;
        }
    }

    HttpConnection(int port, int connectTimeoutMillis) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", port), connectTimeoutMillis);
        in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        out = socket.getOutputStream();
    }

    boolean isOpen() {
        return open && !socket.isClosed();
    }

    void soTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /** Sends the request and reads the whole response, watching for the endpoint's text and end patterns. */
    Exchange exchange(Endpoint endpoint, byte[] request) throws IOException {
        BytePattern text = new BytePattern(endpoint.firstTextPattern(), endpoint.path().contains("chat"));
        BytePattern end = new BytePattern(endpoint.endPattern(), false);
        long start = System.nanoTime();
        out.write(request);
        out.flush();
        int first = in.read();
        if (first < 0) {
            throw new EOFException("connection closed before the response");
        }
        long firstByte = System.nanoTime() - start;
        String statusLine = (char) first + readLine();
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        long contentLength = -1;
        boolean chunked = false;
        boolean closeAfter = false;
        for (String h = readLine(); !h.isEmpty(); h = readLine()) {
            String lower = h.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                contentLength = Long.parseLong(lower.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                closeAfter = true;
            }
        }
        long[] firstText = {-1};
        long bodyBytes = 0;
        StringBuilder errorBody = status == 200 ? null : new StringBuilder();
        if (chunked) {
            while (true) {
                String sizeLine = readLine();
                int semi = sizeLine.indexOf(';');
                long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                if (size == 0) {
                    while (!readLine().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                bodyBytes += readBody(size, text, end, start, firstText, errorBody);
                readLine();
            }
        } else if (contentLength >= 0) {
            bodyBytes = readBody(contentLength, text, end, start, firstText, errorBody);
        } else {
            bodyBytes = readBody(Long.MAX_VALUE, text, end, start, firstText, errorBody);
            closeAfter = true;
        }
        long total = System.nanoTime() - start;
        if (closeAfter) {
            close();
        }
        return new Exchange(status, firstByte, firstText[0], total, bodyBytes, end.found(),
                errorBody == null ? null : errorBody.toString());
    }

    private long readBody(long length, BytePattern text, BytePattern end, long start, long[] firstText,
                          StringBuilder errorBody) throws IOException {
        long remaining = length;
        long read = 0;
        while (remaining > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, remaining));
            if (n < 0) {
                if (length == Long.MAX_VALUE) {
                    break;
                }
                throw new EOFException("connection closed inside the body");
            }
            if (firstText[0] < 0 && text.feed(buf, 0, n)) {
                firstText[0] = System.nanoTime() - start;
            }
            end.feed(buf, 0, n);
            if (errorBody != null && errorBody.length() < 2000) {
                errorBody.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
            remaining -= n;
            read += n;
        }
        return read;
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder(32);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed inside the headers");
            }
            if (b == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) b);
        }
    }

    /** Reads and discards whatever arrives until the deadline or EOF; the slow-stream hold uses this. */
    long drainUntil(long deadlineNanos) throws IOException {
        long total = 0;
        while (System.nanoTime() < deadlineNanos) {
            int remainingMs = (int) Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000);
            socket.setSoTimeout(remainingMs);
            int n;
            try {
                n = in.read(buf);
            } catch (java.net.SocketTimeoutException e) {
                break;
            }
            if (n < 0) {
                throw new EOFException("stream ended after " + total + " bytes");
            }
            total += n;
        }
        return total;
    }

    void send(byte[] request) throws IOException {
        out.write(request);
        out.flush();
    }

    /** Reads the status line only; the rest of the response stays unread. */
    int readStatus() throws IOException {
        String line = readLine();
        return Integer.parseInt(line.split(" ")[1]);
    }

    @Override
    public void close() {
        open = false;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a benchmark socket that is already gone
        }
    }
}
