package dev.tolk.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.BetaMessageThread;
import com.anthropic.models.beta.messages.BetaMessage;
import com.anthropic.models.beta.messages.BetaMetadata;
import com.anthropic.models.beta.messages.BetaRawMessageStreamEvent;
import com.anthropic.models.beta.messages.ThreadCreateParams;
import dev.tolk.sim.SimFleet;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * anthropic-java's message threads through the in-process adapter on a fleet of three simulators: every continue
 * goes to the simulator that answered the thread's turn before it, even when it carries another
 * {@code metadata.user_id} (which otherwise is the adapter's conversation key).
 */
class ThreadsFleetAdapterTest {

    private static long chats(SimServer sim) {
        return sim.requests().stream().filter(e -> e.path().equals("/v1/chat/completions")).count();
    }

    /** The one simulator that got a chat request since {@code before}. */
    private static int served(SimFleet fleet, long[] before) {
        int served = -1;
        for (int i = 0; i < fleet.size(); i++) {
            long now = chats(fleet.instance(i));
            if (now != before[i]) {
                assertThat(served).as("one simulator per turn").isEqualTo(-1);
                assertThat(now - before[i]).isEqualTo(1);
                served = i;
            }
            before[i] = now;
        }
        assertThat(served).isNotEqualTo(-1);
        return served;
    }

    private static BetaMetadata user(String userId) {
        return BetaMetadata.builder().userId(userId).build();
    }

    private static String name(SimServer sim) {
        return sim.baseUri().getHost() + ":" + sim.baseUri().getPort();
    }

    @Test
    void aThreadContinuesOnTheUpstreamThatAnsweredIt() {
        try (SimFleet fleet = SimFleet.start(3, SimOptions.defaults())) {
            TolkAnthropic.Builder b = TolkAnthropic.builder();
            fleet.baseUris().forEach(u -> b.addUpstream(u.toString()));
            TolkHttpClient http = b.buildHttpClient();
            AnthropicClient client = new com.anthropic.client.AnthropicClientImpl(
                    com.anthropic.core.ClientOptions.builder().httpClient(http).putHeader("x-api-key", "unused")
                            .baseUrl("http://tolk.in-process").maxRetries(0).build());
            try {
                long[] before = new long[fleet.size()];
                Set<Integer> homes = new HashSet<>();
                for (int i = 0; i < 8; i++) {
                    int n = i;
                    BetaMessageThread thread = client.beta().messages().thread(ThreadCreateParams.builder()
                            .model("claude-sonnet-4-5").maxTokens(100).system("You are terse.").build());
                    BetaMessage first = thread.send(p -> p.addUserMessage("question " + n + " starts a thread")
                            .metadata(user("creator-" + n)));
                    int home = served(fleet, before);
                    homes.add(home);
                    assertThat(http.threads().upstreamOf(first.id())).contains(name(fleet.instance(home)));

                    try (StreamResponse<BetaRawMessageStreamEvent> s = thread.sendStreaming(p -> p
                            .addUserMessage("a streamed follow-up").metadata(user("someone-else-" + n)))) {
                        assertThat(s.stream().count()).isPositive();
                    }
                    assertThat(served(fleet, before)).as("thread %d, second turn", n).isEqualTo(home);
                    BetaMessage third = thread.send("and a third"); // no user id: no key of its own either
                    assertThat(third.content().get(0).asText().text()).isEqualTo("You said: and a third");
                    assertThat(served(fleet, before)).as("thread %d, third turn", n).isEqualTo(home);
                    assertThat(fleet.instance(home).requests().getLast().body().get("messages")).hasSize(6);
                }
                assertThat(homes).as("the creates spread over the fleet").hasSizeGreaterThan(1);
            } finally {
                client.close();
            }
        }
    }
}
