package dev.tolk.server.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Lines reach stderr in batches, yet none is lost or held back for long: not at WARN, not at stop, not at exit. */
class BatchingStderrAppenderTest {
    private final PrintStream realErr = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final AtomicInteger writes = new AtomicInteger();
    private final LoggerContext context = new LoggerContext();
    private BatchingStderrAppender appender;

    @BeforeEach
    void start() {
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        System.setErr(new PrintStream(new OutputStream() {
            @Override
            public synchronized void write(int b) {
                captured.write(b);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                writes.incrementAndGet();
                captured.write(b, off, len);
            }
        }, true));
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%-5level %msg%n");
        encoder.start();
        appender = new BatchingStderrAppender();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.start();
    }

    @AfterEach
    void restore() {
        appender.stop();
        System.setErr(realErr);
    }

    private void log(Level level, String message) {
        appender.doAppend(new LoggingEvent(null, context.getLogger("tolk.access"), level, message, null, null));
    }

    private synchronized String written() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void aThousandLinesTakeFewWritesAndAllArrive() {
        for (int i = 0; i < 1000; i++) {
            log(Level.INFO, "request_id=req_" + i + " route=/v1/messages status=200 duration_ms=0.4");
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> written().contains("req_999 "));
        assertThat(written().lines()).hasSize(1000);
        // ~70 KB of lines in a 32 KiB buffer, plus whatever the 100 ms flusher caught mid-loop
        assertThat(writes.get()).isLessThan(100);
    }

    @Test
    void anInfoLineIsWrittenWithinTheFlushInterval() {
        log(Level.INFO, "quiet line");
        await().atMost(Duration.ofSeconds(1)).until(() -> written().contains("INFO  quiet line"));
    }

    @Test
    void warningsAndErrorsAreWrittenAtOnceWithWhatCameBefore() {
        log(Level.INFO, "before");
        log(Level.WARN, "upstream refused");
        assertThat(written()).contains("INFO  before", "WARN  upstream refused");
        log(Level.ERROR, "failed");
        assertThat(written()).endsWith("ERROR failed" + System.lineSeparator());
    }

    @Test
    void stoppingWritesWhatIsBuffered() {
        log(Level.INFO, "last words");
        appender.stop();
        assertThat(written()).contains("last words");
    }

    @Test
    void linesLoggedAsTheJvmExitsAreWritten() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                LogThenExit.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("INFO  LogThenExit line 1", "INFO  LogThenExit line 2", "INFO  LogThenExit draining");
    }
}
