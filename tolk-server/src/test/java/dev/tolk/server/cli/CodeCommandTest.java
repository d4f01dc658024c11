package dev.tolk.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code tolk code} sets for which Claude Code version (measured: docs/claude-code-on-vllm.md, "Versions"). */
class CodeCommandTest {
    private static final ClaudeCodeVersion OLD = new ClaudeCodeVersion(2, 0, 50);
    private static final ClaudeCodeVersion V154 = new ClaudeCodeVersion(2, 1, 154);
    private static final ClaudeCodeVersion V250 = new ClaudeCodeVersion(2, 1, 250);
    private static final ClaudeCodeVersion V332 = new ClaudeCodeVersion(2, 1, 332);

    @Test
    void versionsParseFromClaudeDashDashVersion() {
        assertThat(ClaudeCodeVersion.parse("2.1.332 (Claude Code)\n")).isEqualTo(V332);
        assertThat(ClaudeCodeVersion.parse("2.0.50 (Claude Code)")).isEqualTo(OLD);
        assertThat(ClaudeCodeVersion.parse("claude 2.1")).isNull();
        assertThat(ClaudeCodeVersion.parse("")).isNull();
        assertThat(V154.compareTo(V250)).isNegative();
        assertThat(new ClaudeCodeVersion(2, 1, 300).compactsReactively()).isTrue();
        assertThat(V250.compactsReactively()).isFalse();
        assertThat(V154.tested()).isTrue();
        assertThat(OLD.tested()).isFalse();
    }

    @Test
    void theAutoCompactWindowIsSetOnlyWhereTheCliTakesIt() {
        assertThat(CodeCommand.acceptsAutoCompactWindow(V332, 131072)).isTrue();
        assertThat(CodeCommand.acceptsAutoCompactWindow(V154, 100000)).isTrue();
        assertThat(CodeCommand.acceptsAutoCompactWindow(null, 131072)).isTrue();
        // under the CLI's 100k minimum the value would read as 100k (2.1.332 warns about it at start-up)
        assertThat(CodeCommand.acceptsAutoCompactWindow(V332, 32768)).isFalse();
        assertThat(CodeCommand.acceptsAutoCompactWindow(V154, 99999)).isFalse();
        // before 2.1.154 the variable is not read
        assertThat(CodeCommand.acceptsAutoCompactWindow(OLD, 131072)).isFalse();
    }

    @Test
    void aSmallWindowIsExplainedInOneLineSayingWhatKeepsTheSessionAlive() {
        assertThat(CodeCommand.compactionNote(V332, 131072, Map.of())).isNull();
        assertThat(CodeCommand.compactionNote(V332, null, Map.of())).isNull();
        assertThat(CodeCommand.compactionNote(V332, 32768, Map.of("CLAUDE_CODE_AUTO_COMPACT_WINDOW", "200000"))).isNull();
        assertThat(CodeCommand.compactionNote(V332, 32768, Map.of())).doesNotContain("\n")
                .contains("32768-token").contains("100k").endsWith("it compacts when Tolk answers \"prompt is too long\"");
        assertThat(CodeCommand.compactionNote(V250, 32768, Map.of()))
                .contains("Claude Code 2.1.250 does not compact").contains("2.1.300").endsWith("stops there");
    }

    @Test
    void doctorNamesTheVersionWhatItLacksAndWhatToSet() {
        assertThat(DoctorCommand.claudeCodeAdvice(V332, 131072)).first().asString()
                .startsWith("  OK    Claude Code 2.1.332 (tested range 2.1.154 – 2.1.332)");
        assertThat(DoctorCommand.claudeCodeAdvice(V332, 131072).get(1))
                .contains("CLAUDE_CODE_AUTO_COMPACT_WINDOW=131072").contains("CLAUDE_CODE_MAX_OUTPUT_TOKENS=32000");
        assertThat(DoctorCommand.claudeCodeAdvice(V332, 32768)).anySatisfy(l -> assertThat(l)
                .contains("CLAUDE_CODE_MAX_OUTPUT_TOKENS=8192").doesNotContain("AUTO_COMPACT_WINDOW="));
        assertThat(DoctorCommand.claudeCodeAdvice(V250, 131072).get(0)).startsWith("  WARN  Claude Code 2.1.250")
                .contains("does not compact").contains("through CLAUDE_CODE_AUTO_COMPACT_WINDOW");
        assertThat(DoctorCommand.claudeCodeAdvice(V250, 32768)).hasSize(2).first().asString().contains("stops there");
        assertThat(DoctorCommand.claudeCodeAdvice(V332, 32768)).hasSize(3).last().asString()
                .contains("it compacts when Tolk answers");
        assertThat(DoctorCommand.claudeCodeAdvice(OLD, 131072).get(0)).startsWith("  WARN  Claude Code 2.0.50 is older")
                .contains("ultrathink");
        assertThat(DoctorCommand.claudeCodeAdvice(OLD, 131072).get(1)).doesNotContain("AUTO_COMPACT_WINDOW");
        assertThat(DoctorCommand.claudeCodeAdvice(null, null).get(0)).contains("'claude --version' failed");
    }
}
