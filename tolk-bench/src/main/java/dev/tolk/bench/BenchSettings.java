package dev.tolk.bench;

import java.time.Duration;

/**
 * How much of each measurement to run: `quick` is a smoke check of the harness (seconds per measurement, numbers
 * not meaningful), the default is the full run the documented table comes from.
 */
record BenchSettings(boolean quick, int sequentialWarmup, int sequentialRounds, int realisticRounds,
                     int loadConnections, Duration loadRound, int loadRounds, Duration loadWarmup,
                     int slowStreams, int slowOpenPerSecond, Duration slowHold, int startupRuns) {

    static final int STREAM_CHUNKS = 200;
    static final int SLOW_INTERVAL_MILLIS = 100;
    /**
     * How long the gateway is left alone before "idle" memory is read: the JIT finishes, the JVM frees its compiler
     * arenas (every 5 s) and the launcher's TrimNativeHeapInterval gives them back to the OS; about 6 s after start.
     */
    static final int IDLE_SETTLE_MILLIS = 10_000;
    /** Warm-up under load: windows of this length until the rate settles (see {@code BenchRun.warmUp}). */
    static final Duration WARMUP_WINDOW = Duration.ofSeconds(10);
    static final double WARMUP_SETTLED = 0.05;
    static final Duration WARMUP_MAX = Duration.ofSeconds(120);

    BenchSettings withSlowStreams(int n) {
        return new BenchSettings(quick, sequentialWarmup, sequentialRounds, realisticRounds, loadConnections, loadRound,
                loadRounds, loadWarmup, n, slowOpenPerSecond, slowHold, startupRuns);
    }

    static BenchSettings quickRun() {
        return new BenchSettings(true, 20, 30, 10, 50, Duration.ofSeconds(2), 1, Duration.ofSeconds(1),
                200, 1000, Duration.ofSeconds(2), 1);
    }

    static BenchSettings fullRun() {
        // at least 40 s of load before the measured rounds, then until the rate settles (BenchRun.warmUp): on 2 cores
        // the JIT needs 30-60 s next to the load.
        // 2,000 one-at-a-time requests a side: the gateway's CPU is read from /proc in 10 ms ticks and includes what the
        // JVM does meanwhile (a compile of a path the load did not take), which 500 requests (≈ 0.2 s) did not average out
        return new BenchSettings(false, 2000, 2000, 200, 50, Duration.ofSeconds(10), 3, Duration.ofSeconds(40),
                10_000, 2000, Duration.ofSeconds(20), 5);
    }
}
