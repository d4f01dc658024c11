package dev.tolk.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Replays the sessions of a {@link FleetWorkload}: {@code concurrency} clients, each taking the next session and
 * sending its turns one after the other, each after the previous answer ended and the client's pause (the tool
 * running). Every exchange is read to its end and classified: complete, or failed before any content reached
 * the client (an error status, an error event, a broken connection), or broken while content was flowing.
 */
final class SessionReplay {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);

    /** Where one turn goes and how its stream shows text, its end and an error. */
    record Call(URI uri, byte[] body, List<String> headers, byte[] textPattern, byte[] endPattern,
                byte[] errorPattern) {}

    /** Builds the call for a turn of a session. */
    @FunctionalInterface
    interface Target {
        Call call(int session, int turn) throws Exception;
    }

    /**
     * One exchange as the client saw it. Times are nanoseconds: {@code startNanos} from the start of the replay,
     * the others from the request's start; −1 when it did not happen.
     */
    record Outcome(int session, int turn, int status, boolean textSeen, boolean complete, String error,
                   long startNanos, long firstTextNanos, long totalNanos) {
        boolean ok() {
            return status == 200 && complete && error == null;
        }

        /** A failure after a 200 response head and before any content: the client saw the stream open, then fail. */
        boolean brokenAfterHead() {
            return !ok() && status == 200 && !textSeen;
        }

        /** A failure after content had reached the client: a stream already flowing. */
        boolean brokenWhileFlowing() {
            return !ok() && textSeen;
        }
    }

    /** The client's pause before a turn (the tool running), in milliseconds. */
    @FunctionalInterface
    interface Think {
        long millis(int session, int turn);
    }

    /** What a replay produced: every outcome and when the mid-run action ran (−1: it did not). */
    record Result(List<Outcome> outcomes, double seconds, long actionAtNanos) {}

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * Runs every session; {@code halfway}, when not null, runs on its own thread once half of the requests have
     * ended (the replay goes on meanwhile).
     */
    Result run(Target target, int sessions, int turns, int concurrency, Think think, Runnable halfway)
            throws InterruptedException {
        AtomicInteger nextSession = new AtomicInteger();
        AtomicInteger ended = new AtomicInteger();
        AtomicLong actionAt = new AtomicLong(-1);
        int half = sessions * turns / 2;
        List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        List<Thread> actions = Collections.synchronizedList(new ArrayList<>());
        for (int c = 0; c < concurrency; c++) {
            threads.add(Thread.ofPlatform().name("session-client-" + c).start(() -> {
                for (int s = nextSession.getAndIncrement(); s < sessions; s = nextSession.getAndIncrement()) {
                    for (int t = 1; t <= turns; t++) {
                        SimControl.sleep(think.millis(s, t));
                        outcomes.add(exchange(target, s, t, start));
                        if (ended.incrementAndGet() == half && halfway != null) {
                            actions.add(Thread.ofPlatform().name("halfway").start(() -> {
                                actionAt.set(System.nanoTime() - start);
                                halfway.run();
                            }));
                        }
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        for (Thread t : List.copyOf(actions)) {
            t.join();
        }
        return new Result(List.copyOf(outcomes), (System.nanoTime() - start) / 1e9, actionAt.get());
    }

    Outcome exchange(Target target, int session, int turn, long replayStart) {
        long t0 = System.nanoTime();
        int status = -1;
        boolean textSeen = false;
        long firstText = -1;
        try {
            Call call = target.call(session, turn);
            HttpRequest.Builder b = HttpRequest.newBuilder(call.uri()).timeout(REQUEST_TIMEOUT)
                    .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(call.body()));
            for (int i = 0; i + 1 < call.headers().size(); i += 2) {
                b.header(call.headers().get(i), call.headers().get(i + 1));
            }
            HttpResponse<InputStream> r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            status = r.statusCode();
            BytePattern text = new BytePattern(call.textPattern(), call.uri().getPath().contains("chat"));
            BytePattern end = new BytePattern(call.endPattern(), false);
            BytePattern error = new BytePattern(call.errorPattern(), false);
            boolean errorSeen = false;
            try (InputStream in = r.body()) {
                byte[] buf = new byte[16 * 1024];
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    // byte by byte (answers are small): whether text came before an error event is what counts
                    for (int i = 0; i < n; i++) {
                        if (!errorSeen && error.feed(buf, i, 1)) {
                            errorSeen = true;
                        }
                        if (!textSeen && !errorSeen && text.feed(buf, i, 1)) {
                            textSeen = true;
                            firstText = System.nanoTime() - t0;
                        }
                    }
                    end.feed(buf, 0, n);
                }
            }
            String err = status != 200 ? "status " + status : errorSeen ? "error event" : end.found() ? null
                    : "stream ended early";
            return new Outcome(session, turn, status, textSeen, end.found(), err, t0 - replayStart, firstText,
                    System.nanoTime() - t0);
        } catch (IOException e) {
            return new Outcome(session, turn, status, textSeen, false, "broken: " + e.getMessage(), t0 - replayStart,
                    firstText, System.nanoTime() - t0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(session, turn, status, textSeen, false, "interrupted", t0 - replayStart, firstText,
                    System.nanoTime() - t0);
        } catch (Exception e) {
            return new Outcome(session, turn, status, textSeen, false, "harness: " + e, t0 - replayStart, firstText,
                    System.nanoTime() - t0);
        }
    }
}
