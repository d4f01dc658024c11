package dev.tolk.server.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Sends the whole log (access lines included) to a file instead of stderr: {@code tolk code} hands the terminal to
 * Claude Code, and a line written there lands over its input box.
 */
public final class LogFile {
    /** The pattern of logback.xml's stderr appender. */
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} %msg%n";

    private LogFile() {}

    /**
     * {@code $XDG_STATE_HOME/tolk/code.log}, else {@code ~/.local/state/tolk/code.log}; the temp directory when
     * neither can be created.
     */
    public static Path defaultPath(Map<String, String> env) {
        String xdg = env.get("XDG_STATE_HOME");
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        Path dir = xdg != null && !xdg.isBlank() ? Path.of(xdg, "tolk")
                : home != null ? Path.of(home, ".local", "state", "tolk") : null;
        if (dir != null) {
            try {
                Files.createDirectories(dir);
                if (Files.isWritable(dir)) {
                    return dir.resolve("code.log");
                }
            } catch (IOException | SecurityException e) {
                // fall through to the temp directory
            }
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "tolk-code-" + System.getProperty("user.name") + ".log");
    }

    /** Replaces the root logger's appenders by one appending to {@code file} (flushed line by line). */
    public static void redirectTo(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern(PATTERN);
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(ctx);
        appender.setName("FILE");
        appender.setFile(file.toString());
        appender.setAppend(true);
        appender.setEncoder(encoder);
        appender.start();
        if (!appender.isStarted()) {
            throw new IOException("cannot write the log file " + file);
        }
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
    }
}
