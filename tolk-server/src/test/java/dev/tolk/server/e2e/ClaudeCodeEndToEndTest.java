package dev.tolk.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.server.TolkServer;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.sim.RequestLog;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real Claude Code CLI through Tolk against the vLLM simulator. */
class ClaudeCodeEndToEndTest {
    static SimServer sim;
    static TolkServer tolk;

    @BeforeAll
    static void start() {
        ClaudeCli.binary();
        sim = SimServer.start(SimOptions.defaults());
        tolk = TolkServer.start(GatewayConfig.defaults(sim.baseUri()).withPort(0));
    }

    @AfterAll
    static void stop() {
        if (tolk != null) {
            tolk.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    @BeforeEach
    void reset() {
        sim.reset();
    }

    static final String BASH_ROUND_TRIP = """
            rules:
              - match: {hasToolResults: false}
                reply:
                  text: "I will run a command."
                  toolCalls: [{name: Bash, arguments: {command: "echo gateway-ok", description: "Print gateway-ok"}}]
              - match: {hasToolResults: true}
                reply: {text: "The command printed: gateway-ok"}
            """;

    @Test
    void aBashToolRoundTripFinishesWithTheToolOutputInTheResult() throws Exception {
        sim.loadScenario(BASH_ROUND_TRIP);
        ClaudeCli.Run run = ClaudeCli.run(tolk.baseUri().toString(), Map.of(), "-p", "run echo gateway-ok",
                "--output-format", "stream-json", "--verbose", "--allowedTools", "Bash");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.result().path("is_error").asBoolean()).isFalse();
        assertThat(run.result().path("result").asText()).contains("gateway-ok");
        // the tool really ran: its output went back upstream as a tool message
        List<RequestLog.Entry> chats = sim.requests().stream()
                .filter(e -> e.path().equals("/v1/chat/completions")).toList();
        assertThat(chats).hasSize(2);
        assertThat(chats.get(1).body().toString()).contains("\"role\":\"tool\"").contains("gateway-ok");
        for (RequestLog.Entry e : chats) {
            assertThat(e.headers()).doesNotContainKeys("x-api-key", "authorization");
            assertThat(e.body().toString()).doesNotContain("x-anthropic-billing-header");
        }
    }

    @Test
    void twoParallelToolCallsInOneTurn() throws Exception {
        sim.loadScenario("""
                rules:
                  - match: {hasToolResults: false}
                    reply:
                      toolCalls:
                        - {name: Bash, arguments: {command: "echo first-ok", description: "first"}}
                        - {name: Bash, arguments: {command: "echo second-ok", description: "second"}}
                  - match: {hasToolResults: true}
                    reply: {text: "Both ran: first-ok and second-ok"}
                """);
        ClaudeCli.Run run = ClaudeCli.run(tolk.baseUri().toString(), Map.of(), "-p", "run two commands",
                "--output-format", "stream-json", "--verbose", "--allowedTools", "Bash");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        RequestLog.Entry second = sim.requests().stream().filter(e -> e.path().equals("/v1/chat/completions"))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(second.body().toString()).contains("first-ok").contains("second-ok");
    }

    @Test
    void aMidStreamErrorIsRetriedWithoutStreamingAndSucceeds() throws Exception {
        sim.loadScenario("""
                rules:
                  - match: {stream: true}
                    times: 1
                    reply: {text: "partial text that will be lost", chunks: 6,
                            error: {midStream: true, afterChunks: 3, code: 503, message: "overloaded"}}
                  - match: {stream: false}
                    reply: {text: "Recovered without streaming"}
                """);
        ClaudeCli.Run run = ClaudeCli.run(tolk.baseUri().toString(), Map.of(), "-p", "say something",
                "--output-format", "stream-json", "--verbose");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.result().path("result").asText()).contains("Recovered without streaming");
    }
}
