package dev.tolk.server.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A Claude Code CLI version ({@code claude --version} prints e.g. {@code 2.1.332 (Claude Code)}) and what Tolk knows
 * about it (docs/claude-code-on-vllm.md, "Versions"):
 * <ul>
 *   <li>from 2.1.154 {@code CLAUDE_CODE_AUTO_COMPACT_WINDOW} is honoured, but never below
 *       {@value #AUTO_COMPACT_MINIMUM} tokens (2.1.154 raises a smaller value silently, 2.1.331 and later warn at
 *       start-up): under that, proactive compaction cannot follow the model's window;</li>
 *   <li>from 2.1.300 a 400 "prompt is too long" makes it compact the conversation and go on (reactive compaction);
 *       before, {@code -p} prints "Prompt is too long" and exits 1.</li>
 * </ul>
 */
record ClaudeCodeVersion(int major, int minor, int patch) implements Comparable<ClaudeCodeVersion> {
    static final int AUTO_COMPACT_MINIMUM = 100_000;
    static final ClaudeCodeVersion OLDEST_TESTED = new ClaudeCodeVersion(2, 1, 154);
    static final ClaudeCodeVersion NEWEST_TESTED = new ClaudeCodeVersion(2, 1, 332);
    static final ClaudeCodeVersion REACTIVE_COMPACTION = new ClaudeCodeVersion(2, 1, 300);

    /** Parses the leading {@code X.Y.Z} of {@code claude --version}; null when there is none. */
    static ClaudeCodeVersion parse(String versionOutput) {
        if (versionOutput == null) {
            return null;
        }
        String s = versionOutput.strip();
        int end = 0;
        while (end < s.length() && (Character.isDigit(s.charAt(end)) || s.charAt(end) == '.')) {
            end++;
        }
        String[] parts = s.substring(0, end).split("\\.");
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
            return null;
        }
        try {
            return new ClaudeCodeVersion(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]),
                    Integer.parseInt(parts[2]));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Runs {@code claude --version} (at most 15 s); null when it fails or prints no version. */
    static ClaudeCodeVersion of(Path claude) {
        try {
            Process p = new ProcessBuilder(claude.toString(), "--version").redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            byte[] out = p.getInputStream().readNBytes(4096);
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? parse(new String(out, StandardCharsets.UTF_8)) : null;
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    boolean honoursAutoCompactWindow() {
        return compareTo(OLDEST_TESTED) >= 0;
    }

    boolean compactsReactively() {
        return compareTo(REACTIVE_COMPACTION) >= 0;
    }

    boolean tested() {
        return compareTo(OLDEST_TESTED) >= 0 && compareTo(NEWEST_TESTED) <= 0;
    }

    @Override
    public int compareTo(ClaudeCodeVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
