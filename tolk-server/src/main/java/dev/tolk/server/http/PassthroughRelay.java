package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.server.upstream.UpstreamClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;

/**
 * Relays a 200 answer of an upstream that speaks Anthropic's Messages API to the client as it is: a stream byte for
 * byte, on the calling virtual thread. Nothing is translated; the request was already rewritten with Tolk's fixes
 * ({@code PassthroughBody}).
 */
final class PassthroughRelay {
    private static final int READ_BYTES = 16 * 1024;

    private PassthroughRelay() {}

    /**
     * Relays {@code call}'s body to {@code x}'s client. A client that leaves aborts the upstream request and runs
     * {@code clientGone} (the exception goes on); an upstream that breaks off runs {@code upstreamBrokeOff} and ends
     * a stream with an {@code error} event as the API does (a non-streaming answer's failure goes on as an exception).
     * When Tolk aborted the call itself ({@code endedBy} gives the reason, else null), that reason is the error event.
     */
    static void relay(Exchange x, boolean stream, UpstreamClient.Exchange call, org.eclipse.jetty.client.Response head,
                      Runnable clientGone, Runnable upstreamBrokeOff, java.util.function.Supplier<String> endedBy)
            throws IOException {
        x.status = 200;
        x.ttftNanos = System.nanoTime() - x.startNanos;
        x.response.setStatus(200);
        String type = head.getHeaders().get(HttpHeader.CONTENT_TYPE);
        x.response.getHeaders().put(HttpHeader.CONTENT_TYPE, type == null ? "application/json" : type);
        x.response.getHeaders().put(Responses.REQUEST_ID, x.requestId);
        if (stream) {
            x.response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
            x.response.getHeaders().put("x-accel-buffering", "no");
        }
        byte[] buf = new byte[READ_BYTES];
        try (InputStream in = Content.Source.asInputStream(call.body())) {
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (n > 0) {
                    toClient(x, call, ByteBuffer.wrap(buf, 0, n), clientGone);
                }
            }
        } catch (ClientGone gone) {
            throw gone.getCause();
        } catch (IOException upstreamFailed) {
            String reason = endedBy.get(); // Tolk ended the stream itself (a graceful shutdown's grace ran out)
            if (reason == null) {
                upstreamBrokeOff.run();
            }
            if (!stream) {
                throw upstreamFailed;
            }
            byte[] frame = (reason != null ? AnthropicError.overloaded(reason)
                    : AnthropicError.api("upstream connection failed mid-stream")).toSseFrame(x.requestId);
            Responses.write(x.response, false, ByteBuffer.wrap(frame));
        }
        Responses.write(x.response, true, ByteBuffer.allocate(0));
    }

    private static void toClient(Exchange x, UpstreamClient.Exchange call, ByteBuffer bytes, Runnable clientGone)
            throws ClientGone {
        try {
            Responses.write(x.response, false, bytes);
        } catch (IOException e) {
            call.abort(e);
            clientGone.run();
            throw new ClientGone(e);
        }
    }

    /** The client's write failed: told apart from the upstream's read failing. */
    private static final class ClientGone extends IOException {
        ClientGone(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }
}
