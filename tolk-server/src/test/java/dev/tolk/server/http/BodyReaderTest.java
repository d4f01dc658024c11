package dev.tolk.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.content.AsyncContent;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/** The one request-body reader, fed piece by piece through Jetty's own asynchronous content source. */
class BodyReaderTest {
    private final AsyncContent source = new AsyncContent();

    private void send(byte[] bytes, int from, int to, boolean last) {
        source.write(last, ByteBuffer.wrap(bytes, from, to - from), Callback.NOOP);
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    private static Throwable failure(CompletableFuture<byte[]> f) throws Exception {
        try {
            f.get(5, TimeUnit.SECONDS);
            throw new AssertionError("the read succeeded");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void aDeclaredBodyInPiecesIsReadWhole() throws Exception {
        byte[] body = bytes(50_000);
        CompletableFuture<byte[]> f = BodyReader.read(source, body.length, 100_000);
        for (int off = 0; off < body.length; off += 3000) {
            assertThat(f).isNotDone();
            send(body, off, Math.min(body.length, off + 3000), off + 3000 >= body.length);
        }
        assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(body);
    }

    @Test
    void aChunkedBodyGrowsUpToTheLimit() throws Exception {
        byte[] body = bytes(70_000); // past the first 16 KiB array, not a power of two
        CompletableFuture<byte[]> f = BodyReader.read(source, -1, 70_000);
        for (int off = 0; off < body.length; off += 7000) {
            send(body, off, off + 7000, false);
        }
        send(new byte[0], 0, 0, true);
        assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(body);
    }

    @Test
    void aShortChunkedBodyIsTrimmedToWhatCame() throws Exception {
        CompletableFuture<byte[]> f = BodyReader.read(source, -1, 1000);
        send(bytes(10), 0, 10, true);
        assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(bytes(10));
    }

    @Test
    void aChunkedBodyOverTheLimitIsTooLarge() throws Exception {
        CompletableFuture<byte[]> f = BodyReader.read(source, -1, 1000);
        send(bytes(600), 0, 600, false);
        send(bytes(600), 0, 600, false);
        assertThat(failure(f)).isInstanceOf(BodyReader.TooLarge.class)
                .hasMessage("request body exceeds the limit of 1000 bytes");
    }

    @Test
    void aDeclaredLengthOverTheLimitIsTooLargeBeforeAByteIsRead() throws Exception {
        CompletableFuture<byte[]> f = BodyReader.read(source, 1_000_000_000L, 1000);
        assertThat(failure(f)).isInstanceOf(BodyReader.TooLarge.class)
                .hasMessage("request body of 1000000000 bytes exceeds the limit of 1000 bytes");
    }

    @Test
    void aBodyThatDiffersFromItsDeclaredLengthIsAFailureNotTooLarge() throws Exception {
        CompletableFuture<byte[]> longer = BodyReader.read(source, 10, 1000);
        send(bytes(20), 0, 20, true);
        assertThat(failure(longer)).isNotInstanceOf(BodyReader.TooLarge.class).hasMessageContaining("longer");

        AsyncContent other = new AsyncContent();
        CompletableFuture<byte[]> shorter = BodyReader.read(other, 10, 1000);
        other.write(true, ByteBuffer.wrap(bytes(5)), Callback.NOOP);
        assertThat(failure(shorter)).isNotInstanceOf(BodyReader.TooLarge.class).hasMessageContaining("shorter");
    }

    @Test
    void aClientThatLeavesFailsTheRead() throws Exception {
        CompletableFuture<byte[]> f = BodyReader.read(source, 100, 1000);
        send(bytes(40), 0, 40, false);
        source.fail(new EOFException("client left"));
        assertThat(failure(f)).isInstanceOf(EOFException.class);
    }
}
