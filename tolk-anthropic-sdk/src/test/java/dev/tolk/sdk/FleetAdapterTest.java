package dev.tolk.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.models.messages.MessageCreateParams;
import dev.tolk.core.dispatch.RoutingPolicy;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
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
}
