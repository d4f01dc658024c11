package dev.tolk.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** vLLM's request priority: refused without --scheduling-policy priority, the waiting queue's order with it. */
class SimPriorityTest {
    private static String body(String text, int priority) {
        return "{\"model\":\"qwen3-sim\",\"max_tokens\":5,\"priority\":" + priority
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    @Test
    void aNonZeroPriorityIsA400WithoutPriorityScheduling() throws Exception {
        try (SimServer sim = SimServer.start(SimOptions.builder().build())) {
            var r = SimWireFormatTest.post(sim, "/v1/chat/completions", body("hi", -2));
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("Got priority -2 but Priority scheduling is not enabled.");
            assertThat(SimWireFormatTest.post(sim, "/v1/chat/completions", body("hi", 0)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void withPrioritySchedulingTheLowestWaitingPriorityRunsFirst() throws Exception {
        try (SimServer sim = SimServer.start(SimOptions.builder().priorityScheduling(true).maxNumSeqs(1)
                .decodeMicrosPerToken(300_000).build())) {
            post(sim, body("warm", 0)); // the tokenizer loaded
            CompletableFuture<?> first = CompletableFuture.runAsync(() -> post(sim, body("first", 0)));
            waitFor(sim, 1);
            List<CompletableFuture<?>> rest = new ArrayList<>();
            rest.add(CompletableFuture.runAsync(() -> post(sim, body("later " + "and later ".repeat(20), 0))));
            waitFor(sim, 2);
            rest.add(CompletableFuture.runAsync(() -> post(sim, body("urgent", -5))));
            waitFor(sim, 3);
            first.join();
            rest.forEach(CompletableFuture::join);
            List<SimStats.RequestTiming> t = sim.timings();
            assertThat(t).hasSize(4);
            SimStats.RequestTiming later = t.stream().max(java.util.Comparator.comparingInt(
                    SimStats.RequestTiming::promptTokens)).orElseThrow();
            SimStats.RequestTiming urgent = t.stream().filter(x -> x != later && x.queuedMicros() > 0).findFirst()
                    .orElseThrow();
            assertThat(urgent.queuedMicros()).isLessThan(later.queuedMicros()); // sent last, admitted first
        }
    }

    private static void post(SimServer sim, String body) {
        try {
            SimWireFormatTest.post(sim, "/v1/chat/completions", body);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    /** Until {@code active} requests have arrived (and none has ended: each takes over a second). */
    private static void waitFor(SimServer sim, int active) throws InterruptedException {
        long end = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < end) {
            if (sim.stats().active() == active) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError(active + " requests not in flight: " + sim.stats());
    }
}
