package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.server.cli.DoctorCommand;
import dev.tolk.sim.SimOptions;
import dev.tolk.sim.SimServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** {@code tolk doctor} reports each simulator configuration correctly. */
class DoctorTest {
    record Report(int exit, String text) {}

    static Report doctor(UnaryOperator<SimOptions.Builder> sim) {
        try (SimServer s = SimServer.start(sim.apply(SimOptions.builder()).build())) {
            s.loadScenario("rules: [{match: {toolsOffered: true}, reply: {toolCalls: [{name: get_time, arguments: {}}]}}]");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int exit = new DoctorCommand().run(s.baseUri(), null, null, new PrintStream(out, true));
            return new Report(exit, out.toString());
        }
    }

    @Test
    void aFullyConfiguredUpstreamPassesEveryCheck() {
        Report r = doctor(o -> o);
        assertThat(r.exit()).isZero();
        assertThat(r.text()).contains("OK    reachable").contains("model qwen3-sim  max_model_len 32768")
                .contains("OK    automatic tool calling works").contains("OK    a reasoning parser is active")
                .contains("OK    cached-token usage is reported").contains("OK    /tokenize exists")
                .contains("time to first token").doesNotContain("FAIL");
    }

    @Test
    void withoutAToolParserItNamesTheFlagsAndStillPassesThanksToTextRecovery() {
        Report r = doctor(o -> o.toolParser(false).models(java.util.List.of("Qwen3-8B")));
        assertThat(r.exit()).isZero();
        assertThat(r.text()).contains("WARN  automatic tool calling is OFF")
                .contains("--enable-auto-tool-choice --tool-call-parser hermes");
    }

    @Test
    void withoutAReasoningParserItSaysSo() {
        assertThat(doctor(o -> o.reasoningParser(false)).text()).contains("no --reasoning-parser");
    }

    @Test
    void withoutPromptTokenDetailsItNamesTheFlag() {
        assertThat(doctor(o -> o.promptTokensDetails(false)).text()).contains("--enable-prompt-tokens-details");
    }

    @Test
    void withoutTokenizeCountsAreEstimates() {
        assertThat(doctor(o -> o.tokenize(false)).text()).contains("/tokenize is missing");
    }

    @Test
    void aSmallWindowFails() {
        Report r = doctor(o -> o.maxModelLen(8192));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.text()).contains("FAIL  window 8192 is too small");
    }

    @Test
    void anUnreachableUpstreamFails() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = new DoctorCommand().run(java.net.URI.create("http://127.0.0.1:1/"), null, null, new PrintStream(out, true));
        assertThat(exit).isEqualTo(1);
        assertThat(out.toString()).contains("FAIL  not reachable");
    }
}
