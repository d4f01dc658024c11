package dev.tolk.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/** A child JVM (simulator or gateway) whose output goes to a log file and whose ready line is awaited. */
final class ManagedProcess implements AutoCloseable {
    private final Process process;
    private final long startNanos;
    private final CompletableFuture<Long> readyNanos = new CompletableFuture<>();
    private final Path log;

    private ManagedProcess(Process process, long startNanos, Path log) {
        this.process = process;
        this.startNanos = startNanos;
        this.log = log;
    }

    /**
     * Starts the command; a line on its stdout matching `ready` completes {@link #awaitReady}. Its stderr (the
     * access log) goes straight to the log file, as with {@code tolk serve 2>file}: pumped through this JVM line by
     * line it would cost the machine a pipe read and a file write per request on the gateway's side only.
     */
    static ManagedProcess start(List<String> command, Path log, Predicate<String> ready) throws IOException {
        Files.createDirectories(log.getParent());
        Files.deleteIfExists(log);
        Files.createFile(log);
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        long start = System.nanoTime();
        Process p = pb.start();
        ManagedProcess mp = new ManagedProcess(p, start, log);
        Thread.ofPlatform().daemon().name("log-" + log.getFileName()).start(() -> mp.pump(ready));
        return mp;
    }

    private void pump(Predicate<String> ready) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             Writer w = Files.newBufferedWriter(log, java.nio.file.StandardOpenOption.APPEND)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!readyNanos.isDone() && ready.test(line)) {
                    readyNanos.complete(System.nanoTime() - startNanos);
                }
                w.write(line);
                w.write('\n');
                w.flush();
            }
        } catch (IOException e) {
            // the process went away; awaitReady reports it
        } finally {
            readyNanos.completeExceptionally(new IOException("process exited before it was ready; see " + log));
        }
    }

    /** Nanoseconds from process start to the ready line. */
    long awaitReady(Duration timeout) throws IOException {
        try {
            return readyNanos.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("not ready within " + timeout + "; see " + log);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    long startNanos() {
        return startNanos;
    }

    long pid() {
        return process.pid();
    }

    ProcFs.Sample sample() {
        return ProcFs.sample(process.pid());
    }

    Path log() {
        return log;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
