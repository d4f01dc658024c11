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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The real Claude Code CLI through Tolk against the vLLM simulator, every scenario on the oldest and the newest
 * supported version (ClaudeCli.Version); where they differ, each scenario states what it expects of which.
 */
class ClaudeCodeEndToEndTest {
    static SimServer sim;
    static TolkServer tolk;

    @BeforeAll
    static void start() {
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

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClaudeCli.Version.class)
    void aBashToolRoundTripFinishesWithTheToolOutputInTheResult(ClaudeCli.Version v) throws Exception {
        sim.loadScenario(BASH_ROUND_TRIP);
        ClaudeCli.Run run = ClaudeCli.run(v, tolk.baseUri().toString(), Map.of(), "-p", "run echo gateway-ok",
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

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClaudeCli.Version.class)
    void twoParallelToolCallsInOneTurn(ClaudeCli.Version v) throws Exception {
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
        ClaudeCli.Run run = ClaudeCli.run(v, tolk.baseUri().toString(), Map.of(), "-p", "run two commands",
                "--output-format", "stream-json", "--verbose", "--allowedTools", "Bash");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        RequestLog.Entry second = sim.requests().stream().filter(e -> e.path().equals("/v1/chat/completions"))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(second.body().toString()).contains("first-ok").contains("second-ok");
        // the tool messages follow the order of the calls, whatever order the CLI returned the results in
        var messages = second.body().get("messages");
        List<String> callIds = new java.util.ArrayList<>();
        List<String> resultIds = new java.util.ArrayList<>();
        for (var m : messages) {
            m.path("tool_calls").forEach(c -> callIds.add(c.path("id").asText()));
            if (m.path("role").asText().equals("tool")) {
                resultIds.add(m.path("tool_call_id").asText());
            }
        }
        assertThat(resultIds).hasSize(2).isEqualTo(callIds);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClaudeCli.Version.class)
    void aMidStreamErrorIsRetriedWithoutStreamingAndSucceeds(ClaudeCli.Version v) throws Exception {
        sim.loadScenario("""
                rules:
                  - match: {stream: true}
                    times: 1
                    reply: {text: "partial text that will be lost", chunks: 6,
                            error: {midStream: true, afterChunks: 3, code: 503, message: "overloaded"}}
                  - match: {stream: false}
                    reply: {text: "Recovered without streaming"}
                """);
        ClaudeCli.Run run = ClaudeCli.run(v, tolk.baseUri().toString(), Map.of(), "-p", "say something",
                "--output-format", "stream-json", "--verbose");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.result().path("result").asText()).contains("Recovered without streaming");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClaudeCli.Version.class)
    void theSameRoundTripWorksWhenTheUpstreamHasNoToolParserAndTheModelWritesHermesMarkup(ClaudeCli.Version v) throws Exception {
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
            ClaudeCli.Run run = ClaudeCli.run(v, t.baseUri().toString(), Map.of(), "-p", "run echo gateway-ok",
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

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClaudeCli.Version.class)
    void thinkingComesBackAsThinkingAndIsReplayedOnTheNextTurn(ClaudeCli.Version v) throws Exception {
        sim.loadScenario("""
                rules:
                  - match: {hasToolResults: false}
                    reply:
                      reasoning: "I should run echo to check the gateway."
                      toolCalls: [{name: Bash, arguments: {command: "echo gateway-ok", description: "Print"}}]
                  - match: {hasToolResults: true}
                    reply: {text: "Done: gateway-ok"}
                """);
        ClaudeCli.Run run = ClaudeCli.run(v, tolk.baseUri().toString(), Map.of(), "-p", "run echo gateway-ok",
                "--output-format", "stream-json", "--verbose", "--allowedTools", "Bash");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.all()).contains("\"type\":\"thinking\"").contains("I should run echo");
        RequestLog.Entry second = sim.requests().stream().filter(e -> e.path().equals("/v1/chat/completions"))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(second.body().toString()).contains("\"reasoning\":\"I should run echo to check the gateway.\"");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClaudeCli.Version.class)
    void slashContextCountTokensAreTheUpstreamsExactCounts(ClaudeCli.Version v) throws Exception {
        ClaudeCli.Run run = ClaudeCli.run(v, tolk.baseUri().toString(), Map.of(), "-p", "/context",
                "--output-format", "stream-json", "--verbose");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        List<RequestLog.Entry> tokenize = sim.requests().stream().filter(e -> e.path().equals("/tokenize")).toList();
        assertThat(tokenize).hasSizeGreaterThan(5);
        // every count_tokens call became an exact /tokenize call upstream (none fell back to an estimate)
        assertThat(sim.stats().byStatus()).containsOnlyKeys(200);
        assertThat(sim.requests().stream().filter(e -> e.path().equals("/v1/chat/completions"))).isEmpty();
        assertThat(run.result().path("is_error").asBoolean()).isFalse();
    }

    /** A real overflow: the tool output does not fit a 40k window (2.1.154 keeps big outputs in a file instead). */
    @Test
    void aConversationThatOutgrowsASmallWindowIsCompactedAndCompletes() throws Exception {
        ClaudeCli.Version v = ClaudeCli.Version.NEWEST;
        try (SimServer small = SimServer.start(SimOptions.builder().maxModelLen(40000).build());
             TolkServer t = TolkServer.start(GatewayConfig.defaults(small.baseUri()).withPort(0))) {
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
            ClaudeCli.Run run = ClaudeCli.run(v, t.baseUri().toString(), Map.of(), "-p", "print a lot",
                    "--output-format", "stream-json", "--verbose", "--allowedTools", "Bash");
            assertThat(run.exitCode()).as(run.stderr()).isZero();
            assertThat(run.all()).contains("compact");
            assertThat(run.result().path("result").asText()).contains("Finished after compaction");
        }
    }

    /**
     * The upstream's context overflow after a tool turn ("prompt is too long" from Tolk): from 2.1.300 the CLI
     * compacts and completes; before, {@code -p} prints "Prompt is too long" and exits 1.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(ClaudeCli.Version.class)
    void promptTooLongAfterAToolTurnIsCompactedFrom2_1_300AndEndsTheRunBefore(ClaudeCli.Version v) throws Exception {
        try (SimServer big = SimServer.start(SimOptions.builder().maxModelLen(200000).build()); // no clamping in play
             TolkServer t = TolkServer.start(GatewayConfig.defaults(big.baseUri()).withPort(0))) {
            big.loadScenario("""
                    rules:
                      - match: {lastUserRegex: "CRITICAL: Respond with TEXT ONLY"}
                        reply: {text: "<analysis>short</analysis><summary>The user ran a command.</summary>"}
                      - match: {hasToolResults: false}
                        times: 1
                        reply:
                          toolCalls: [{name: Bash, arguments: {command: "echo big", description: "big output"}}]
                      - match: {hasToolResults: true}
                        times: 1
                        reply:
                          error: {status: 400, type: BadRequestError, message: "This model's maximum context length is 40000 tokens. However, your request has 52000 input tokens. Please reduce the length of the input messages. (parameter=input_tokens, value=52000)"}
                      - reply: {text: "Finished after compaction"}
                    """);
            ClaudeCli.Run run = ClaudeCli.run(v, t.baseUri().toString(), Map.of(), "-p", "print a lot",
                    "--output-format", "stream-json", "--verbose", "--allowedTools", "Bash");
            List<String> bodies = big.requests().stream().filter(e -> e.path().equals("/v1/chat/completions"))
                    .map(e -> e.body().toString()).toList();
            if (v.compactsReactively()) {
                assertThat(run.exitCode()).as(run.result().toString()).isZero();
                assertThat(bodies).anyMatch(b -> b.contains("CRITICAL: Respond with TEXT ONLY"));
                assertThat(run.result().path("result").asText()).contains("Finished after compaction");
            } else {
                assertThat(run.exitCode()).as(run.stderr()).isEqualTo(1);
                assertThat(run.result().path("result").asText()).containsIgnoringCase("Prompt is too long");
                assertThat(bodies).noneMatch(b -> b.contains("CRITICAL: Respond with TEXT ONLY"));
            }
        }
    }
}
