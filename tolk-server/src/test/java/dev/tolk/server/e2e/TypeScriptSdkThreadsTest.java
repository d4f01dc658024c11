package dev.tolk.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.server.TolkServer;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The official TypeScript SDK's tool runner, default settings, through Tolk: since message threads it sends
 * {@code thread: create} with the whole conversation, then only the tool result with {@code thread: continue}. The
 * simulator answers the weather only when it sees the tool result together with the question, so a lone tool result
 * (the bug) gets a different text.
 */
class TypeScriptSdkThreadsTest {
    private static final String SCENARIO = """
            rules:
              - match: {hasToolResults: false, lastUserText: Oslo}
                reply: {text: 'Let me look that up.', toolCalls: [{name: get_weather, arguments: {city: Oslo}}]}
              - match: {hasToolResults: true, lastUserText: Oslo}
                reply: {text: 'It is sunny in Oslo, 21 C.', chunks: 3}
            """;

    private SimServer sim;
    private TolkServer tolk;

    private void start(UnaryOperator<GatewayConfig> config) {
        sim = SimServer.start(SimOptions.defaults());
        sim.loadScenario(SCENARIO);
        tolk = TolkServer.start(config.apply(GatewayConfig.defaults(sim.baseUri()).withPort(0)));
    }

    @AfterEach
    void stop() {
        if (tolk != null) {
            tolk.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    private static List<JsonNode> requests(JsonNode out) {
        List<JsonNode> r = new ArrayList<>();
        out.get("requests").forEach(r::add);
        return r;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nostream", "stream"})
    void theDefaultToolRunnerGetsTheRightAnswer(String mode) throws Exception {
        TypeScriptSdk.dir();
        start(c -> c);
        JsonNode out = TypeScriptSdk.run("ts-tool-runner.cjs", tolk.baseUri().toString(), mode);
        assertThat(out.has("error")).as(out.toString()).isFalse();
        assertThat(out.get("text").asText()).isEqualTo("It is sunny in Oslo, 21 C.");

        List<JsonNode> sent = requests(out);
        assertThat(sent).hasSize(2);
        JsonNode create = sent.get(0);
        JsonNode cont = sent.get(1);
        assertThat(create.get("thread").get("type").asText()).isEqualTo("create");
        assertThat(create.get("system").asBoolean()).isTrue();
        assertThat(create.get("tools").asBoolean()).isTrue();
        assertThat(create.get("beta").asText()).contains("message-threads-2026-08-12");
        assertThat(cont.get("thread").get("type").asText()).isEqualTo("continue");
        assertThat(cont.get("thread").get("previous_message_id").asText()).startsWith("msg_");
        assertThat(cont.get("messages").asInt()).isEqualTo(1); // only the tool result
        assertThat(cont.get("system").asBoolean()).isFalse();
        assertThat(cont.get("tools").asBoolean()).isFalse();
        assertThat(cont.get("status").asInt()).isEqualTo(200);

        JsonNode upstream = sim.requests().getLast().body();
        assertThat(upstream.get("messages")).extracting(m -> m.get("role").asText())
                .containsExactly("system", "user", "assistant", "tool");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nostream", "stream"})
    void aThreadTolkNoLongerHoldsIsReplayedByTheSdk(String mode) throws Exception {
        TypeScriptSdk.dir();
        start(c -> c.withThreadMemoryBytes(0)); // every reply evicted at once: each continue is thread_not_found
        JsonNode out = TypeScriptSdk.run("ts-tool-runner.cjs", tolk.baseUri().toString(), mode);
        assertThat(out.has("error")).as(out.toString()).isFalse();
        assertThat(out.get("text").asText()).isEqualTo("It is sunny in Oslo, 21 C.");

        List<JsonNode> sent = requests(out);
        assertThat(sent).hasSize(3);
        assertThat(sent.get(1).get("thread").get("type").asText()).isEqualTo("continue");
        assertThat(sent.get(1).get("status").asInt()).isEqualTo(404);
        assertThat(sent.get(2).get("thread").get("type").asText()).isEqualTo("create"); // the replay
        assertThat(sent.get(2).get("messages").asInt()).isEqualTo(3);
        assertThat(sent.get(2).get("status").asInt()).isEqualTo(200);
    }
}
