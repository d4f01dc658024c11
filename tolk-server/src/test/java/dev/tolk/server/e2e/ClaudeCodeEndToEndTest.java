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

    @Test
    void theSameRoundTripWorksWhenTheUpstreamHasNoToolParserAndTheModelWritesHermesMarkup() throws Exception {
        try (SimServer noParser = SimServer.start(SimOptions.builder().toolParser(false).build());
             TolkServer t = TolkServer.start(GatewayConfig.defaults(noParser.baseUri()).withPort(0))) {
            noParser.loadScenario("""
                    rules:
                      - match: {hasToolResults: false}
                        reply:
                          text: "I will run a command."
                          toolCallsAsText: true
                          toolCalls: [{name: Bash, arguments: {command: "echo gateway-ok", description: "Print gateway-ok"}}]
                      - match: {hasToolResults: true}
                        reply: {text: "The command printed: gateway-ok"}
                    """);
            ClaudeCli.Run run = ClaudeCli.run(t.baseUri().toString(), Map.of(), "-p", "run echo gateway-ok",
                    "--output-format", "stream-json", "--verbose", "--allowedTools", "Bash");
            assertThat(run.exitCode()).as(run.stderr()).isZero();
            assertThat(run.result().path("result").asText()).contains("gateway-ok");
            List<RequestLog.Entry> chats = noParser.requests().stream()
                    .filter(e -> e.path().equals("/v1/chat/completions")).toList();
            // first "auto" was rejected (no parser), then tool_choice none; later turns go straight to none
            assertThat(chats.get(0).body().get("tool_choice").asText()).isEqualTo("auto");
            assertThat(chats.get(chats.size() - 1).body().get("tool_choice").asText()).isEqualTo("none");
            assertThat(chats.get(chats.size() - 1).body().toString()).contains("\"role\":\"tool\"");
        }
    }

    @Test
    void thinkingComesBackAsThinkingAndIsReplayedOnTheNextTurn() throws Exception {
        sim.loadScenario("""
                rules:
                  - match: {hasToolResults: false}
                    reply:
                      reasoning: "I should run echo to check the gateway."
                      toolCalls: [{name: Bash, arguments: {command: "echo gateway-ok", description: "Print"}}]
                  - match: {hasToolResults: true}
                    reply: {text: "Done: gateway-ok"}
                """);
        ClaudeCli.Run run = ClaudeCli.run(tolk.baseUri().toString(), Map.of(), "-p", "run echo gateway-ok",
                "--output-format", "stream-json", "--verbose", "--allowedTools", "Bash");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.all()).contains("\"type\":\"thinking\"").contains("I should run echo");
        RequestLog.Entry second = sim.requests().stream().filter(e -> e.path().equals("/v1/chat/completions"))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(second.body().toString()).contains("\"reasoning\":\"I should run echo to check the gateway.\"");
    }

    @Test
    void slashContextCountTokensAreTheUpstreamsExactCounts() throws Exception {
        ClaudeCli.Run run = ClaudeCli.run(tolk.baseUri().toString(), Map.of(), "-p", "/context",
                "--output-format", "stream-json", "--verbose");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        List<RequestLog.Entry> tokenize = sim.requests().stream().filter(e -> e.path().equals("/tokenize")).toList();
        assertThat(tokenize).hasSizeGreaterThan(5);
        // every count_tokens call became an exact /tokenize call upstream (none fell back to an estimate)
        assertThat(sim.stats().byStatus()).containsOnlyKeys(200);
        assertThat(sim.requests().stream().filter(e -> e.path().equals("/v1/chat/completions"))).isEmpty();
        assertThat(run.result().path("is_error").asBoolean()).isFalse();
    }

    @Test
    void aConversationThatOutgrowsASmallWindowIsCompactedAndCompletes() throws Exception {
        try (SimServer small = SimServer.start(SimOptions.builder().maxModelLen(40000).build());
             TolkServer t = TolkServer.start(GatewayConfig.defaults(small.baseUri()).withPort(0))) {
            String big = "x".repeat(70000);
            small.loadScenario("""
                    rules:
                      - match: {lastUserRegex: "CRITICAL: Respond with TEXT ONLY"}
                        reply: {text: "<analysis>short</analysis><summary>The user ran a command that printed a lot.</summary>"}
                      - match: {hasToolResults: false}
                        times: 1
                        reply:
                          toolCalls: [{name: Bash, arguments: {command: "head -c 70000 /dev/zero | tr '\\\\0' x", description: "big output"}}]
                      - reply: {text: "Finished after compaction"}
                    """);
            ClaudeCli.Run run = ClaudeCli.run(t.baseUri().toString(), Map.of(), "-p", "print a lot",
                    "--output-format", "stream-json", "--verbose", "--allowedTools", "Bash");
            assertThat(run.exitCode()).as(run.stderr() + run.all()).isZero();
            assertThat(run.all()).contains("compact");
            assertThat(run.result().path("result").asText()).contains("Finished after compaction");
            assertThat(big).isNotEmpty();
        }
    }
}
