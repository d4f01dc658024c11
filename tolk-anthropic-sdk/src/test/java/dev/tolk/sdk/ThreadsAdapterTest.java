package dev.tolk.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.BetaMessageThread;
import com.anthropic.models.beta.messages.BetaMessage;
import com.anthropic.models.beta.messages.BetaRawMessageStreamEvent;
import com.anthropic.models.beta.messages.ThreadCreateParams;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.sim.RequestLog;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * anthropic-java 3.13.0's message threads ({@code client.beta().messages().thread(…)}) through the in-process
 * adapter: the second turn is a continue with only the new message, and the simulator sees the whole conversation.
 */
class ThreadsAdapterTest {
    private final SimServer sim = SimServer.start(SimOptions.defaults());
    private final TolkHttpClient http = TolkAnthropic.builder().upstream(sim.baseUri().toString()).buildHttpClient();
    private final AnthropicClient client = new com.anthropic.client.AnthropicClientImpl(
            com.anthropic.core.ClientOptions.builder().httpClient(http).putHeader("x-api-key", "unused")
                    .baseUrl("http://tolk.in-process").maxRetries(0).build());

    @AfterEach
    void close() {
        client.close();
        sim.close();
    }

    private List<JsonNode> chatRequests() {
        return sim.requests().stream().filter(e -> e.path().equals("/v1/chat/completions"))
                .map(RequestLog.Entry::body).toList();
    }

    private BetaMessageThread thread() {
        return client.beta().messages().thread(ThreadCreateParams.builder().model("claude-sonnet-4-5").maxTokens(200)
                .system("You are terse.").build());
    }

    @Test
    void theSecondTurnContinuesAndVllmSeesTheWholeConversation() {
        sim.loadScenario("""
                rules:
                  - match: {lastUserText: first}
                    reply: {text: 'The first answer.'}
                  - match: {lastUserText: second}
                    reply: {text: 'The second answer.'}
                """);
        BetaMessageThread thread = thread();
        BetaMessage first = thread.send("the first question");
        assertThat(thread.previousMessageId()).contains(first.id());
        String upstream = sim.baseUri().getHost() + ":" + sim.baseUri().getPort();
        assertThat(http.threads().upstreamOf(first.id())).contains(upstream); // the SDK sent thread: create
        BetaMessage second = thread.send("the second question");
        assertThat(second.content().get(0).asText().text()).isEqualTo("The second answer.");
        assertThat(http.threads().upstreamOf(second.id())).contains(upstream); // a continue: the conversation moved on
        assertThat(http.threads().upstreamOf(first.id())).isEmpty();
        assertThat(http.threads().threads()).isEqualTo(1);

        JsonNode sent = chatRequests().getLast();
        assertThat(sent.get("messages")).extracting(m -> m.get("role").asText())
                .containsExactly("system", "user", "assistant", "user");
        assertThat(sent.get("messages").get(0).get("content").asText()).isEqualTo("You are terse.");
        assertThat(sent.get("messages").get(2).get("content").toString()).contains("The first answer.");
    }

    @Test
    void aStreamedTurnIsStoredToo() {
        BetaMessageThread thread = thread();
        try (StreamResponse<BetaRawMessageStreamEvent> s = thread.sendStreaming("hello there")) {
            assertThat(s.stream().count()).isPositive();
        }
        BetaMessage next = thread.send("and again");
        assertThat(next.content().get(0).asText().text()).isEqualTo("You said: and again");
        assertThat(chatRequests().getLast().get("messages")).hasSize(4);
        assertThat(chatRequests().getLast().get("messages").get(2).get("content").toString())
                .contains("You said: hello there");
    }

    @Test
    void aThreadTheAdapterLostIsReplayed() {
        AnthropicClient forgetful = TolkAnthropic.builder().upstream(sim.baseUri().toString()).maxRetries(0)
                .threadMemoryBytes(0).build(); // stores nothing: every continue is thread_not_found
        try {
            BetaMessageThread thread = forgetful.beta().messages().thread(ThreadCreateParams.builder()
                    .model("claude-sonnet-4-5").maxTokens(200).build());
            thread.send("one");
            BetaMessage two = thread.send("two");
            assertThat(two.content().get(0).asText().text()).isEqualTo("You said: two");
            assertThat(chatRequests().getLast().get("messages")).hasSize(3); // the SDK replayed the whole history
        } finally {
            forgetful.close();
        }
    }
}
