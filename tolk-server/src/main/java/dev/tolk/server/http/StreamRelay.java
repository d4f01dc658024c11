package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.sse.SseOutput;
import dev.tolk.core.translate.stream.UpstreamStream;
import dev.tolk.server.upstream.UpstreamClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.util.IteratingCallback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Relays one upstream SSE body to the client without a thread of its own: upstream bytes are read from the Jetty
 * client's demand-driven {@link Content.Source}, translated by tolk-core's {@link UpstreamStream} and written to the
 * client with a non-blocking write whose completion asks for the next upstream bytes. Whatever the upstream has
 * already delivered is translated before writing, so a burst of chunks costs one write, while a lone chunk is
 * written at once (nothing waits for more). The client's pace therefore
 * paces the upstream (one write in flight at a time), and a stream that waits costs a few objects, not a thread.
 *
 * <p>{@link IteratingCallback} serializes every step (data, pings, shutdown), so the translator and the output buffer
 * are never touched by two threads at once, and a write that completes at once does not recurse. Pings come from
 * one {@link Ticker} shared by all streams, which looks at each stream's last write: no timer per stream. A client that
 * goes away fails the next write (a chunk or a ping), or Jetty reports the connection's failure; either way the
 * upstream request is aborted at once.
 *
 * <p>An upstream that fails (reset, closed, silent too long) before it has sent a byte of its body has sent the client
 * no content either — only {@code message_start} and pings, which any upstream's stream can follow — so the request may
 * move to the next upstream ({@link Failover}, the policy's decision): the relay keeps pinging while the next
 * upstream's head comes, then relays its body into the same stream. A vLLM process that dies during a prefill is such
 * a case: it sent its response head before the prefill.
 */
final class StreamRelay extends IteratingCallback implements ActiveStreams.Stream {
    static final long DRAIN_MILLIS = 2000;
    /** Events translated from upstream bytes that are already here go out in one write, up to this size. */
    static final int BATCH_BYTES = 64 * 1024;
    /** The output buffer a stream keeps while it waits for the upstream (it grows for a burst, up to a batch). */
    static final int IDLE_OUTPUT_BYTES = 512;

    /**
     * Moves the request to another upstream when the current one failed before its first body byte. {@link #start}
     * returns false when the policy does not move it (the relay then ends the stream with an {@code error} event); else
     * it {@link #attach}es the new upstream call, and later {@link #resume}s the relay on it or ends it with
     * {@link #resumeFailed}.
     */
    interface Failover {
        boolean start(StreamRelay relay, String detail);
    }

    /** Ends a relay: how the stream went is in {@code x}; {@code failure} is null when the client got it all. */
    interface Completion {
        void completed(StreamRelay relay, Throwable failure);
    }

    private final Exchange x;
    private final UpstreamStream us;
    private volatile UpstreamClient.Exchange call;
    private volatile Content.Source source;
    private final Failover failover;
    /** Waiting for the head of the upstream the request failed over to: nothing to read yet. */
    private volatile boolean switching;
    private volatile AnthropicError switchFailed;
    private volatile boolean done;
    /** Whether the upstream has sent a byte of its body: from then on it cannot be replaced. */
    private boolean upstreamBytes;
    private final byte[] idleStorage = new byte[IDLE_OUTPUT_BYTES];
    private final SseOutput out = new SseOutput(0);
    private final ByteBufferPool bufferPool;
    /** Pooled storage lent to {@link #out} while a burst is translated and written; null while the stream waits. */
    private RetainableByteBuffer burst;
    private final Scheduler scheduler;
    private final Ticker<StreamRelay> pings;
    private final long pingNanos;
    private final Completion completion;
    private final Runnable onUpstreamReadFailure;
    private final Runnable demandCallback = Invocable.from(Invocable.InvocationType.NON_BLOCKING, this::onDemand);
    private final AtomicBoolean demanding = new AtomicBoolean();

    private volatile long lastWriteNanos = System.nanoTime();
    private volatile boolean pingDue;
    private volatile String terminateReason;
    private volatile boolean clientGone;
    private boolean started;
    private boolean lastWritten;

    StreamRelay(Exchange x, UpstreamStream us, UpstreamClient.Exchange call, Scheduler scheduler,
                Ticker<StreamRelay> pings, long pingNanos, Runnable onUpstreamReadFailure, Failover failover,
                Completion completion) {
        this.x = x;
        this.us = us;
        this.call = call;
        this.source = call.body();
        this.failover = failover;
        this.bufferPool = x.request.getComponents().getByteBufferPool();
        out.adopt(idleStorage);
        this.scheduler = scheduler;
        this.pings = pings;
        this.pingNanos = pingNanos;
        this.onUpstreamReadFailure = onUpstreamReadFailure;
        this.completion = completion;
    }

    UpstreamStream stream() {
        return us;
    }

    boolean clientGone() {
        return clientGone;
    }

    /** The request failed over: {@code next} is its call to the next upstream, whose head has not come yet. */
    void attach(UpstreamClient.Exchange next) {
        call = next;
        if (done) {
            next.abort(new IOException("stream complete")); // the client left meanwhile
        }
    }

    /**
     * {@link #attach}ed call's head came with 200: its body continues the stream once it has something to read (its
     * first read is left to Jetty's demand callback: this runs inside Jetty's head notification, while another thread
     * may be in {@link #process}).
     */
    void resume() {
        Content.Source next = call.body();
        next.demand(Invocable.from(Invocable.InvocationType.NON_BLOCKING, () -> {
            source = next;
            switching = false;
            iterate();
        }));
    }

    /** Whether the stream is over or about to be (the client left, or a shutdown ends it): no failover then. */
    boolean ending() {
        return done || clientGone || terminateReason != null;
    }

    /** The failover found no upstream to answer: the stream ends with {@code error}. */
    void resumeFailed(AnthropicError error) {
        switchFailed = error;
        switching = false;
        iterate();
    }

    /** Starts relaying: {@code message_start} is written, then upstream bytes as they come. */
    void start() {
        x.request.addFailureListener(t -> {
            clientGone = true;
            call.abort(t);
            abort(t);
        });
        pings.add(this, scheduler);
        iterate();
    }

    /** Graceful shutdown: ends the stream with an {@code event: error} and aborts the upstream request. */
    @Override
    public void terminate(String reason) {
        terminateReason = reason;
        call.abort(new IOException(reason));
        iterate();
    }

    @Override
    public RunningStream running(long nowNanos) {
        String session = x.request.getHeaders().get(MessagesEndpoint.SESSION_HEADER);
        return new RunningStream(x.requestId, session == null ? null : AccessLog.loggable(session), x.clientKey.name(),
                x.clientModel, x.upstreamModel, x.upstream, x.startEpochMillis, (nowNanos - x.startNanos) / 1_000_000,
                x.ttftNanos >= 0, us.contentDeltas());
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING; // translating a chunk and starting a write never block
    }

    @Override
    protected Action process() throws Throwable {
        if (lastWritten) {
            return Action.SUCCEEDED;
        }
        out.reset();
        if (!started) {
            started = true;
            us.start(out); // message_start goes out with whatever the upstream has already sent, or alone at once
        }
        String reason = terminateReason;
        if (reason != null) {
            return endForShutdown(reason);
        }
        while (true) {
            AnthropicError failedOver = switchFailed;
            if (failedOver != null) {
                us.fail(failedOver, out);
                return writeLast();
            }
            if (switching) { // pings only, until the next upstream's head
                if (out.isEmpty() && pingDue) {
                    pingDue = false;
                    us.ping(out);
                }
                if (!out.isEmpty()) {
                    return write();
                }
                endBurst();
                return Action.IDLE;
            }
            // while a demand is pending, Jetty may be filling and parsing the upstream connection on its own thread for
            // it: a read from this pass (a ping's, a write's completion) would parse at the same time (an HttpParser
            // AssertionError under load, the stream lost). The demand's callback runs the pass that reads.
            Content.Chunk chunk = demanding.get() ? null : source.read();
            if (chunk == null) {
                if (!out.isEmpty()) {
                    return write(); // the upstream has nothing more right now: send what this pass translated
                }
                if (pingDue) {
                    pingDue = false;
                    us.ping(out);
                    if (!out.isEmpty()) {
                        return write();
                    }
                }
                endBurst(); // a waiting stream keeps a small buffer, whatever its last burst was
                if (demanding.compareAndSet(false, true)) { // else the pending demand's callback will iterate
                    source.demand(demandCallback);
                }
                return Action.IDLE;
            }
            if (Content.Chunk.isFailure(chunk)) {
                Throwable f = chunk.getFailure();
                String r = terminateReason;
                if (r != null) {
                    return endForShutdown(r);
                }
                if (clientGone) {
                    throw f;
                }
                if (failOver(UpstreamClient.describe(f))) {
                    continue;
                }
                onUpstreamReadFailure.run();
                call.abort(f);
                us.fail(AnthropicError.api("upstream connection failed mid-stream: " + UpstreamClient.describe(f)), out);
                return writeLast();
            }
            boolean last = chunk.isLast();
            try {
                ByteBuffer b = chunk.getByteBuffer();
                if (!upstreamBytes && !b.hasRemaining() && last && failOver("the upstream closed the stream before "
                        + "its first byte")) {
                    continue;
                }
                if (b.hasRemaining()) {
                    upstreamBytes = true;
                    reserve(b.remaining()); // translated events are about as long as the chunks they come from
                    us.feed(b, out);
                }
            } finally {
                chunk.release();
            }
            if (x.ttftNanos < 0 && us.contentStarted()) {
                x.ttftNanos = System.nanoTime() - x.startNanos;
            }
            if (us.isTerminated()) {
                return writeLast();
            }
            if (last) {
                us.end(out);
                return writeLast();
            }
            if (out.size() >= BATCH_BYTES) {
                return write();
            }
        }
    }

    /**
     * The upstream failed before its first body byte: asks the {@link Failover} to move the request. True when it
     * did: the relay waits (pinging) for the next upstream.
     */
    private boolean failOver(String detail) {
        if (upstreamBytes || failover == null) {
            return false;
        }
        switching = true; // before the next upstream can answer
        if (failover.start(this, detail)) {
            return true;
        }
        switching = false;
        return false;
    }

    /** Graceful shutdown (or the upstream abort it caused): an {@code error} event, unless the stream already ended. */
    private Action endForShutdown(String reason) {
        if (!us.isTerminated()) {
            us.fail(AnthropicError.overloaded(reason), out);
        }
        return writeLast();
    }

    private Action write() {
        return write(false);
    }

    private Action writeLast() {
        lastWritten = true;
        return write(true);
    }

    private Action write(boolean last) {
        us.releaseBuffers();
        lastWriteNanos = System.nanoTime();
        x.response.write(last, out.asByteBuffer(), this);
        return Action.SCHEDULED;
    }

    /**
     * After the last event, when the upstream sent {@code [DONE]}: reads the rest of the upstream body (normally just
     * the end of the chunked body, which arrives with {@code [DONE]}) so that the upstream connection goes back to the pool instead of being closed; an
     * upstream that does not end its body within {@link #DRAIN_MILLIS} ms is aborted.
     */
    private void drainUpstream() {
        if (!drainAvailable()) { // usually the end of the body is already here: no timer needed
            Scheduler.Task timeout = scheduler.schedule(() -> call.abort(new IOException("stream complete")),
                    DRAIN_MILLIS, TimeUnit.MILLISECONDS);
            drain(timeout);
        }
    }

    private void drain(Scheduler.Task timeout) {
        if (drainAvailable()) {
            timeout.cancel();
        } else {
            source.demand(Invocable.from(Invocable.InvocationType.NON_BLOCKING, () -> drain(timeout)));
        }
    }

    /** Reads and drops what the upstream body has now; true when it ended (or failed). */
    private boolean drainAvailable() {
        while (true) {
            // while a demand is pending, Jetty may be filling and parsing the upstream connection on its own thread for
            // it: a read from this pass (a ping's, a write's completion) would parse at the same time (an HttpParser
            // AssertionError under load, the stream lost). The demand's callback runs the pass that reads.
            Content.Chunk chunk = demanding.get() ? null : source.read();
            if (chunk == null) {
                return false;
            }
            if (Content.Chunk.isFailure(chunk)) {
                return true;
            }
            chunk.release();
            if (chunk.isLast()) {
                return true;
            }
        }
    }

    private void onDemand() {
        demanding.set(false);
        iterate();
    }

    /**
     * Makes room for {@code extra} more bytes of output. A burst gets pooled storage (a 64 KiB array per stream and
     * burst, allocated and dropped, outlived young collections under load and filled the old generation).
     */
    private void reserve(int extra) {
        int needed = out.size() + extra;
        if (needed <= out.capacity()) {
            return;
        }
        if (burst == null) {
            RetainableByteBuffer b = bufferPool.acquire(Math.max(needed, BATCH_BYTES), false);
            ByteBuffer bb = b.getByteBuffer();
            if (bb.hasArray() && bb.arrayOffset() == 0 && bb.capacity() >= needed) {
                burst = b;
                out.adopt(bb.array());
                return;
            }
            b.release();
        }
        out.reserve(extra); // beyond the pooled storage: the output grows on its own
    }

    /** Takes the pooled storage back; only once no write that uses it is in flight. */
    private void endBurst() {
        if (out.capacity() > IDLE_OUTPUT_BYTES) {
            out.adopt(idleStorage);
        }
        if (burst != null) {
            burst.release();
            burst = null;
        }
    }

    /** How often the shared ping ticker looks at the streams: a fifth of the interval, within 50 ms – 1 s. */
    static long pingCheckMillis(java.time.Duration pingInterval) {
        return Math.max(50, Math.min(1000, pingInterval.toMillis() / 5));
    }

    /** Called by the ping ticker: a stream silent for the ping interval gets a ping (from {@link #process()}). */
    void pingCheck() {
        if (isClosed() || isSucceeded() || isFailed() || lastWritten) {
            return;
        }
        if (System.nanoTime() - lastWriteNanos >= pingNanos) {
            pingDue = true;
            iterate();
        }
    }

    @Override
    protected void onCompleteSuccess() {
        done = true;
        cancelPing();
        out.reset();
        endBurst(); // the last write has completed
        completion.completed(this, null);
        if (us.upstreamDone()) {
            drainUpstream();
        } else {
            call.abort(new IOException("stream complete")); // a stop sequence or an error: stop the generation now
        }
    }

    @Override
    protected void onCompleteFailure(Throwable cause) {
        done = true;
        cancelPing();
        burst = null; // a failed write may still hold it: left to the garbage collector, not returned to the pool
        clientGone = true;
        call.abort(cause);
        completion.completed(this, cause);
    }

    private void cancelPing() {
        pings.remove(this); // the ticker would otherwise hold this relay
    }
}
