package dev.tolk.server.http;

import dev.tolk.core.dispatch.Fleet;
import dev.tolk.core.keys.FairQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Fair sharing of a saturated fleet: while every upstream serving a request's model is at its capacity
 * ({@link Fleet#room} is 0), the request waits here instead of in vLLM's first-come-first-served queue, and held
 * requests are released round-robin across client keys weighted by priority ({@link FairQueue}) as room frees (an
 * upstream request ends; the room is also looked at every {@value #RECHECK_MILLIS} ms, since other replicas' load
 * arrives with vLLM's scrapes). A request that waited {@code queue-wait-seconds} gets 529 {@code overloaded_error}; a
 * client that leaves while held is noticed by a {@link ClientWatch} and leaves the queue.
 *
 * <p>A held request waits before its response head for one ping interval: no byte is written, so whatever happens
 * after a short hold (an upstream error, "prompt is too long", a 429) reaches the client with its real status. A
 * streaming request held longer gets the SSE head and an {@code event: ping} every ping interval, as a stream does
 * while vLLM prefills, so nothing between the client and Tolk takes it for dead; from then on an error is an
 * {@code error} event (docs/teams.md). Pings are written from the recheck ticker; a release waits for a ping write in
 * flight to complete, so the stream's own writes never overlap one.
 *
 * <p>A request let through (at once or released) holds a reservation until its upstream call has begun
 * ({@link Pass}), so that requests passing at the same moment do not all count the same free slot.
 */
final class FairGate {
    static final long RECHECK_MILLIS = 250;

    private final Fleet fleet;
    private final Duration wait;
    private final long pingNanos;
    /** Streaming requests held now (the ticker pings those held longer than the ping interval). */
    private final java.util.Set<Held> streams = new java.util.HashSet<>();
    private final Ticker<ClientWatch> watches;
    private final Ticker<FairGate> recheck = new Ticker<>(RECHECK_MILLIS, FairGate::release);
    private final Map<String, Lane> lanes = new HashMap<>();
    private int held;

    /** The requests of one upstream model: held ones, and those let through whose upstream call has not begun. */
    private static final class Lane {
        final String model;
        final FairQueue<Held> queue = new FairQueue<>();
        int pending;

        Lane(String model) {
            this.model = model;
        }
    }

    private static final class Held {
        final Exchange x;
        final Lane lane;
        final Runnable go;
        final long heldAtNanos = System.nanoTime();
        final boolean stream;
        Scheduler.Task timeout;
        ClientWatch watch;
        boolean done;
        long lastWriteNanos = heldAtNanos;
        /** A ping write has not completed yet; what must run after it (the release) waits in {@code after}. */
        boolean writing;
        Runnable after;

        Held(Exchange x, Lane lane, Runnable go, boolean stream) {
            this.x = x;
            this.lane = lane;
            this.go = go;
            this.stream = stream;
        }
    }

    /** A request's reservation of a free slot until its upstream call begins (or the exchange ends without one). */
    final class Pass {
        private final Lane lane;
        private boolean over;

        private Pass(Lane lane) {
            this.lane = lane;
        }

        /** The upstream call began: its load now counts, the reservation is no longer needed. */
        void begun() {
            synchronized (FairGate.this) {
                if (over) {
                    return;
                }
                over = true;
                lane.pending--;
            }
        }

        /** The exchange ended: a reservation that was never used frees its slot for a held request. */
        void ended() {
            boolean freed;
            synchronized (FairGate.this) {
                freed = !over;
                if (freed) {
                    over = true;
                    lane.pending--;
                }
            }
            if (freed) {
                release();
            }
        }
    }

    FairGate(Fleet fleet, Duration wait, Duration pingInterval, Ticker<ClientWatch> watches) {
        this.fleet = fleet;
        this.wait = wait;
        this.pingNanos = pingInterval.toNanos();
        this.watches = watches;
    }

    /** Whether {@code fleet} can be saturated at all: some upstream has a capacity. */
    static boolean needed(Fleet fleet) {
        return fleet.bounded();
    }

    /**
     * Lets the request through now (false: the caller sends it; {@code x.pass} holds its reservation) or holds it
     * (true): later exactly one of {@code go} (released, with its reservation), {@code expired} (waited too long) or
     * {@code gone} (the client left) runs, not on the caller's thread.
     */
    boolean hold(Exchange x, String upstreamModel, boolean stream, Runnable go, Runnable expired, Runnable gone) {
        Scheduler scheduler = x.request.getComponents().getScheduler();
        synchronized (this) {
            Lane lane = lanes.computeIfAbsent(upstreamModel == null ? "" : upstreamModel, Lane::new);
            if (lane.queue.isEmpty() && room(lane) > 0) {
                lane.pending++;
                x.pass = new Pass(lane);
                return false;
            }
            Held h = new Held(x, lane, go, stream);
            lane.queue.add(x.clientKey.name(), x.clientKey.limits().priority(), h);
            if (stream) {
                streams.add(h);
            }
            h.timeout = scheduler.schedule(() -> leave(h, expired), wait.toMillis(), TimeUnit.MILLISECONDS);
            h.watch = new ClientWatch(x.request, () -> leave(h, gone), watches);
            if (held++ == 0) {
                recheck.add(this, scheduler);
            }
            return true;
        }
    }

    private int room(Lane lane) {
        return fleet.room(lane.model) - lane.pending;
    }

    /** Releases held requests while their model has room, fairly across keys. */
    void release() {
        List<Held> go = null;
        synchronized (this) {
            if (held == 0) {
                return;
            }
            for (Lane lane : lanes.values()) {
                while (!lane.queue.isEmpty() && room(lane) > 0) {
                    Held h = lane.queue.poll();
                    finish(h);
                    lane.pending++;
                    h.x.pass = new Pass(lane);
                    h.x.queuedNanos = System.nanoTime() - h.heldAtNanos;
                    if (go == null) {
                        go = new ArrayList<>();
                    }
                    go.add(h);
                }
            }
        }
        if (go != null) {
            for (Held h : go) {
                then(h, h.go);
            }
        }
        pingHeld();
    }

    /** Runs {@code r} now, or once the ping write in flight for {@code h} has completed. */
    private void then(Held h, Runnable r) {
        synchronized (this) {
            if (h.writing) {
                h.after = r;
                return;
            }
        }
        r.run();
    }

    /** Streams held longer than the ping interval get the SSE head (once) and a ping. */
    private void pingHeld() {
        List<Held> due = null;
        long now = System.nanoTime();
        synchronized (this) {
            for (Held h : streams) {
                if (!h.writing && now - h.lastWriteNanos >= pingNanos) {
                    h.writing = true;
                    h.lastWriteNanos = now;
                    if (due == null) {
                        due = new ArrayList<>();
                    }
                    due.add(h);
                }
            }
        }
        if (due != null) {
            for (Held h : due) {
                ping(h);
            }
        }
    }

    private static final byte[] PING = "event: ping\ndata: {\"type\": \"ping\"}\n\n"
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private void ping(Held h) {
        Exchange x = h.x;
        if (!x.response.isCommitted()) {
            x.response.setStatus(200);
            var headers = x.response.getHeaders();
            headers.put(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            headers.put(org.eclipse.jetty.http.HttpHeader.CACHE_CONTROL, "no-cache");
            headers.put("x-accel-buffering", "no");
            headers.put(Responses.REQUEST_ID, x.requestId);
            x.status = 200;
        }
        x.response.write(false, java.nio.ByteBuffer.wrap(PING), org.eclipse.jetty.util.Callback.from(
                () -> written(h), failure -> written(h))); // a failed write: the client watch sees it leave
    }

    private void written(Held h) {
        Runnable r;
        synchronized (this) {
            h.writing = false;
            r = h.after;
            h.after = null;
        }
        if (r != null) {
            r.run();
        }
    }

    /** A held request gives up (waited too long) or its client left: out of the queue, then {@code then}. */
    private void leave(Held h, Runnable then) {
        synchronized (this) {
            if (h.done) {
                return;
            }
            h.lane.queue.remove(h.x.clientKey.name(), h);
            finish(h);
            h.x.queuedNanos = System.nanoTime() - h.heldAtNanos;
        }
        then(h, then);
    }

    /** Under the lock: the request is no longer held. */
    private void finish(Held h) {
        h.done = true;
        streams.remove(h);
        h.timeout.cancel();
        h.watch.close();
        if (--held == 0) {
            recheck.remove(this);
        }
    }

    /** Requests held now (for metrics and tests). */
    synchronized int held() {
        return held;
    }
}
