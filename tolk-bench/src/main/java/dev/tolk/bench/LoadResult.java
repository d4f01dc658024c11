package dev.tolk.bench;

/**
 * One bounded load run at a fixed concurrency.
 *
 * @param generator "wrk" or "java"
 * @param requests  responses completed
 * @param seconds   measured duration
 * @param p50Ms     median latency of a whole streamed response
 * @param p99Ms     99th percentile
 * @param errors    connect/read/write/timeout errors plus non-200 responses plus incomplete streams
 */
record LoadResult(String generator, long requests, double seconds, double p50Ms, double p99Ms, long errors) {
    double requestsPerSecond() {
        return seconds <= 0 ? 0 : requests / seconds;
    }
}
