package dev.tolk.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Fixed concurrency for a bounded time, direct and through the gateway in alternating rounds; the gateway's
 * CPU time and resident memory are read from /proc around and during each of its rounds. A reference hop
 * ({@link ReferenceProxy}), when given, gets a round of its own after each pair, its CPU read the same way.
 */
final class LoadBench {
    private LoadBench() {}

    /** A reference hop: its name ("HAProxy 2.6.12"), endpoint, and the process whose CPU its rounds are charged with. */
    record Reference(String name, Endpoint endpoint, ManagedProcess process) {}

    static ObjectNode run(LoadGenerator gen, Endpoint direct, Endpoint tolk, Reference reference, int connections,
                          Duration perRound, int rounds, ManagedProcess gateway, int simPort)
            throws IOException, InterruptedException {
        List<LoadResult> d = new ArrayList<>();
        List<LoadResult> t = new ArrayList<>();
        List<LoadResult> ref = new ArrayList<>();
        List<Double> cpuPerRequest = new ArrayList<>();
        List<Double> refCpuPerRequest = new ArrayList<>();
        long peakRssKib = 0;
        long simAborted = 0;
        ArrayNode roundsJson = BenchJson.MAPPER.createArrayNode();
        for (int r = 0; r < rounds; r++) {
            boolean directFirst = r % 2 == 0;
            for (int k = 0; k < 2; k++) {
                boolean isDirect = (k == 0) == directFirst;
                long abortedBefore = SimControl.stats(simPort).aborted();
                ObjectNode round = roundsJson.addObject();
                round.put("side", isDirect ? "direct" : "tolk");
                if (isDirect) {
                    LoadResult res = gen.run(direct, connections, perRound);
                    d.add(res);
                    put(round, res);
                } else {
                    long cpuBefore = gateway.sample().cpuMillis();
                    try (RssSampler sampler = RssSampler.start(gateway.pid())) {
                        LoadResult res = gen.run(tolk, connections, perRound);
                        t.add(res);
                        put(round, res);
                        long cpu = gateway.sample().cpuMillis() - cpuBefore;
                        double perReq = perRequest(cpu, res);
                        cpuPerRequest.add(perReq);
                        round.put("gatewayCpuMsPerRequest", perReq);
                        round.put("gatewayCpuCores", cpu / 1000.0 / res.seconds());
                        peakRssKib = Math.max(peakRssKib, sampler.peakKib());
                    }
                }
                SimControl.awaitIdle(simPort, Duration.ofSeconds(10));
                long aborted = SimControl.stats(simPort).aborted() - abortedBefore;
                // the generator cuts the streams in flight when its time is up, so some aborts are expected
                round.put("upstreamAborted", aborted);
                simAborted += aborted;
            }
            if (reference != null) {
                ObjectNode round = roundsJson.addObject();
                round.put("side", reference.endpoint().name());
                long cpuBefore = reference.process().sample().cpuMillis();
                LoadResult res = gen.run(reference.endpoint(), connections, perRound);
                ref.add(res);
                put(round, res);
                double perReq = perRequest(reference.process().sample().cpuMillis() - cpuBefore, res);
                refCpuPerRequest.add(perReq);
                round.put("proxyCpuMsPerRequest", perReq);
                SimControl.awaitIdle(simPort, Duration.ofSeconds(10));
            }
        }
        ObjectNode out = BenchJson.MAPPER.createObjectNode();
        out.put("generator", gen.name());
        out.put("connections", connections);
        out.put("secondsPerRound", perRound.toSeconds());
        out.put("rounds", rounds);
        out.set("direct", summary(d));
        out.set("tolk", summary(t));
        out.put("gatewayCpuMsPerRequest", Stats.median(cpuPerRequest));
        out.put("gatewayPeakRssMib", peakRssKib / 1024.0);
        out.put("gatewayHwmMib", gateway.sample().hwmMib());
        out.put("upstreamAborted", simAborted);
        if (reference != null) {
            ObjectNode r = summary(ref);
            r.put("name", reference.name());
            r.put("proxyCpuMsPerRequest", Stats.median(refCpuPerRequest));
            out.set("reference", r);
        }
        out.set("roundsDetail", roundsJson);
        return out;
    }

    private static double perRequest(long cpuMillis, LoadResult r) {
        return r.requests() == 0 ? Double.NaN : (double) cpuMillis / r.requests();
    }

    private static void put(ObjectNode n, LoadResult r) {
        n.put("requests", r.requests());
        n.put("seconds", r.seconds());
        n.put("requestsPerSecond", r.requestsPerSecond());
        n.put("p50Ms", r.p50Ms());
        n.put("p99Ms", r.p99Ms());
        n.put("errors", r.errors());
    }

    private static ObjectNode summary(List<LoadResult> results) {
        ObjectNode n = BenchJson.MAPPER.createObjectNode();
        n.put("requestsPerSecond", Stats.median(results.stream().map(LoadResult::requestsPerSecond).toList()));
        n.put("p50Ms", Stats.median(results.stream().map(LoadResult::p50Ms).toList()));
        n.put("p99Ms", Stats.median(results.stream().map(LoadResult::p99Ms).toList()));
        n.put("errors", results.stream().mapToLong(LoadResult::errors).sum());
        n.put("requests", results.stream().mapToLong(LoadResult::requests).sum());
        return n;
    }
}
