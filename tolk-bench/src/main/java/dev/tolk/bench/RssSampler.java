package dev.tolk.bench;

/** Samples a process's VmRSS every 50 ms on a daemon thread and keeps the peak. */
final class RssSampler implements AutoCloseable {
    private final long pid;
    private volatile boolean running = true;
    private volatile long peakKib;
    private final Thread thread;

    private RssSampler(long pid) {
        this.pid = pid;
        this.thread = Thread.ofPlatform().daemon().name("rss-" + pid).start(this::loop);
    }

    static RssSampler start(long pid) {
        return new RssSampler(pid);
    }

    private void loop() {
        while (running) {
            long rss = ProcFs.sample(pid).rssKib();
            if (rss > peakKib) {
                peakKib = rss;
            }
            SimControl.sleep(50);
        }
    }

    long peakKib() {
        return Math.max(peakKib, ProcFs.sample(pid).rssKib());
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
