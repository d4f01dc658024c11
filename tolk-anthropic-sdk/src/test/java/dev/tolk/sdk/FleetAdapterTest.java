package dev.tolk.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.RawMessageStreamEvent;
import dev.tolk.core.dispatch.RoutingPolicy;
import dev.tolk.sim.SimFault;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The in-process adapter in front of two simulators: the gateway's routing and failover, from the same classes. */
class FleetAdapterTest {

    private static MessageCreateParams hello(String text) {
        return MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(16).addUserMessage(text).build();
    }

    @Test
    void requestsSpreadAndMoveToTheLiveUpstreamWhenOneDies() {
        try (SimServer a = SimServer.start(SimOptions.defaults()); SimServer b = SimServer.start(SimOptions.defaults())) {
            AnthropicClient client = TolkAnthropic.builder().addUpstream(a.baseUri().toString())
                    .addUpstream(b.baseUri().toString()).routing(RoutingPolicy.ROUND_ROBIN).maxRetries(0).build();
            for (int i = 0; i < 4; i++) {
                assertThat(client.messages().create(hello("hi " + i)).content()).isNotEmpty();
            }
            assertThat(a.stats().requests()).isPositive();
            assertThat(b.stats().requests()).isPositive();
            a.close();
            long before = b.stats().requests();
            for (int i = 0; i < 4; i++) {
                assertThat(client.messages().create(hello("after " + i)).content()).isNotEmpty();
            }
            assertThat(b.stats().requests() - before).isEqualTo(4);
            client.close();
        }
    }

    @Test
    void aStreamWhoseUpstreamDiesAfterItsHeadButBeforeItsFirstByteMovesToTheNextUpstream() throws Exception {
        try (SimServer a = SimServer.start(SimOptions.defaults()); SimServer b = SimServer.start(SimOptions.defaults())) {
            // vLLM sends a stream's head at once, then computes the prefill: a's never ends
            a.loadScenario("rules:\n  - match: {stream: true}\n    reply: {text: \"never sent\", fault: {type: stall, "
                    + "afterChunks: 0, seconds: 20}}\n");
            AnthropicClient client = TolkAnthropic.builder().addUpstream(a.baseUri().toString())
                    .addUpstream(b.baseUri().toString()).routing(RoutingPolicy.ROUND_ROBIN).maxRetries(0).build();
            CompletableFuture<String> text = CompletableFuture.supplyAsync(() -> {
                MessageAccumulator acc = MessageAccumulator.create();
                try (StreamResponse<RawMessageStreamEvent> events = client.messages().createStreaming(hello("go on"))) {
                    events.stream().forEach(acc::accumulate);
                }
                return acc.message().content().get(0).asText().text();
            });
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> a.stats().active() == 1);
            a.fault(SimFault.down());
            assertThat(text.get(15, TimeUnit.SECONDS)).isEqualTo("You said: go on");
            assertThat(b.requests().stream().filter(e -> e.path().equals("/v1/chat/completions")).count()).isEqualTo(1);
            client.close();
        }
    }

    @Test
    void aStreamWhoseUpstreamSendsNoHeadMovesOnAfterTheHeadTimeoutWhileANonStreamingAnswerMayTakeLonger()
            throws Exception {
        try (SimServer a = SimServer.start(SimOptions.defaults()); SimServer b = SimServer.start(SimOptions.defaults())) {
            a.loadScenario("rules:\n  - match: {lastUserText: dead}\n    reply: {text: late, fault: {type: stall_headers,"
                    + " seconds: 20}}\n  - match: {lastUserText: whole}\n    reply: {text: \"whole answer\", fault: "
                    + "{type: stall_headers, seconds: 2}}\n");
            AnthropicClient client = TolkAnthropic.builder().addUpstream(a.baseUri().toString())
                    .addUpstream(b.baseUri().toString()).routing(RoutingPolicy.ROUND_ROBIN).maxRetries(0)
                    .upstreamHeadTimeout(Duration.ofSeconds(1)).build();
            // a non-streaming answer's head comes with the whole generation: 2 s is not cut by the 1 s head timeout
            for (int i = 0; i < 2; i++) { // round robin: one on each
                assertThat(client.messages().create(hello("whole")).content().get(0).asText().text())
                        .isIn("whole answer", "You said: whole");
            }
            assertThat(a.requests().stream().filter(e -> e.path().equals("/v1/chat/completions")).count()).isEqualTo(1);
            // a stream whose head does not come moves on after 1 s, not after the 20 s stall
            long t0 = System.nanoTime();
            long onB = b.requests().stream().filter(e -> e.path().equals("/v1/chat/completions")).count();
            for (int i = 0; i < 2; i++) { // round robin: one of the two starts on a
                MessageAccumulator acc = MessageAccumulator.create();
                try (StreamResponse<RawMessageStreamEvent> events = client.messages().createStreaming(hello("dead"))) {
                    events.stream().forEach(acc::accumulate);
                }
                assertThat(acc.message().content().get(0).asText().text()).isEqualTo("You said: dead");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("not the 20 s stall").isLessThan(Duration.ofSeconds(10));
            assertThat(b.requests().stream().filter(e -> e.path().equals("/v1/chat/completions")).count())
                    .isEqualTo(onB + 2);
            client.close();
        }
    }
}
