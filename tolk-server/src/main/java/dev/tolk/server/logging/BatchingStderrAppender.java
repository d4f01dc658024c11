package dev.tolk.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Logback appender for stderr that writes lines in batches. With Logback's console appender every access-log line
 * was a {@code write} system call of its own: one of about eight per streamed request, and whoever reads the
 * gateway's stderr (a terminal, journald, a pipe) was woken once per request too.
 *
 * <p>Lines are written at most {@link #FLUSH_MILLIS} ms after they were logged, sooner when the buffer fills, and
 * at once for {@code WARN} and {@code ERROR}. When the JVM begins to exit, what is buffered is written and from then
 * on every line is written at once (the gateway's own shutdown hook still logs while it drains streams; Logback's
 * shutdown hook would stop the appender under it). Bytes go to whatever {@code System.err} is when they are written.
 */
public final class BatchingStderrAppender extends OutputStreamAppender<ILoggingEvent> {
    static final long FLUSH_MILLIS = 100;
    private static final int BUFFER_BYTES = 32 * 1024;

    private volatile boolean pending;
    private volatile boolean exiting;
    private Thread flusher;
    private Thread exitHook;

    @Override
    public void start() {
        setOutputStream(new BufferedOutputStream(new CurrentStderr(), BUFFER_BYTES));
        setImmediateFlush(false);
        super.start();
        flusher = Thread.ofPlatform().daemon().name("tolk-log-flush").start(this::flushPeriodically);
        exitHook = Thread.ofPlatform().unstarted(() -> {
            exiting = true; // before the flush: a line written after it sees the flag and flushes itself
            flush();
        });
        Runtime.getRuntime().addShutdownHook(exitHook);
    }

    @Override
    public void stop() {
        if (flusher != null) {
            flusher.interrupt();
        }
        if (exitHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(exitHook);
            } catch (IllegalStateException e) {
                // the JVM is exiting: the hook runs
            }
        }
        super.stop(); // closes the buffered stream, which writes what is left
    }

    @Override
    protected void subAppend(ILoggingEvent event) {
        super.subAppend(event);
        if (exiting || event.getLevel().isGreaterOrEqual(Level.WARN)) {
            flush();
        } else {
            pending = true;
        }
    }

    private void flushPeriodically() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(FLUSH_MILLIS);
                if (pending) {
                    pending = false; // before the flush: a line logged during it sets the flag again
                    flush();
                }
            }
        } catch (InterruptedException e) {
            // stopped
        }
    }

    private void flush() {
        streamWriteLock.lock();
        try {
            OutputStream out = getOutputStream();
            if (out != null) {
                out.flush();
            }
        } catch (IOException e) {
            // stderr is gone; there is nowhere left to report it
        } finally {
            streamWriteLock.unlock();
        }
    }

    /** {@code System.err} as it is at each write (tests and tools replace it); closing it only flushes. */
    private static final class CurrentStderr extends OutputStream {
        @Override
        public void write(int b) {
            System.err.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            System.err.write(b, off, len);
        }

        @Override
        public void flush() {
            System.err.flush();
        }

        @Override
        public void close() {
            flush();
        }
    }
}
