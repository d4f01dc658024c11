package dev.tolk.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Talks to the simulator's control routes: readiness, the reply scenario, and its stream counters. */
final class SimControl {
    private SimControl() {}

    /** Counters from `GET /sim/stats`. */
    record SimStats(long active, long completed, long aborted, long requests) {}

    static void awaitUp(int port, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (SimpleHttp.get(port, "/sim/stats").status() == 200) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            sleep(50);
        }
        throw new IOException("simulator on port " + port + " not up within " + timeout, last);
    }

    /** The first model the simulator serves, used in both the direct and the gateway request. */
    static String firstModel(int port) throws IOException {
        JsonNode models = BenchJson.MAPPER.readTree(SimpleHttp.get(port, "/v1/models").body());
        return models.path("data").path(0).path("id").asText("sim-model");
    }

    /**
     * Every following chat completion streams `chunks` text deltas, `intervalMillis` apart (0 = as fast as it
     * can), whatever the prompt.
     */
    static void streamText(int port, int chunks, int intervalMillis) throws IOException {
        String scenario = Scenarios.textStream(chunks, intervalMillis);
        SimpleHttp.Response r = SimpleHttp.post(port, "/sim/scenario", "application/json",
                scenario.getBytes(StandardCharsets.UTF_8));
        if (r.status() / 100 != 2) {
            throw new IOException("simulator refused the scenario: " + r.status() + " " + r.body());
        }
    }

    static void reset(int port) throws IOException {
        SimpleHttp.post(port, "/sim/reset", "application/json", new byte[0]);
    }

    static SimStats stats(int port) throws IOException {
        JsonNode s = BenchJson.MAPPER.readTree(SimpleHttp.get(port, "/sim/stats").body());
        return new SimStats(s.path("active").asLong(), s.path("completed").asLong(), s.path("aborted").asLong(),
                s.path("requests").asLong());
    }

    /** Waits until the simulator has no stream open; false when some are still open at the deadline. */
    static boolean awaitIdle(int port, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (stats(port).active() == 0) {
                return true;
            }
            sleep(100);
        }
        return stats(port).active() == 0;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
