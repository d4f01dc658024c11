package dev.tolk.bench;

import java.io.IOException;
import java.time.Duration;

/** Drives a fixed number of keep-alive connections that send the same streaming request back to back. */
interface LoadGenerator {
    LoadResult run(Endpoint endpoint, int connections, Duration duration) throws IOException, InterruptedException;

    String name();
}
