package dev.tolk.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A simulated vLLM fleet in its own JVM ({@code tolk sim --instances N}, free ports), and its control routes: the
 * reply scenario, reset, faults, and each instance's stats with the per-request timings of the cost model.
 */
final class SimFleetProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("tolk-sim listening on http://127\\.0\\.0\\.1:(\\d+)");

    /** The fleet's cost model, as {@code tolk sim} options. */
    record CostModel(long prefillMicrosPerToken, long decodeMicrosPerToken, int maxNumSeqs, int kvBlocks) {
        List<String> args() {
            return List.of("--prefill-us-per-token", String.valueOf(prefillMicrosPerToken),
                    "--decode-us-per-token", String.valueOf(decodeMicrosPerToken),
                    "--max-num-seqs", String.valueOf(maxNumSeqs), "--kv-blocks", String.valueOf(kvBlocks));
        }
    }

    private final ManagedProcess process;
    private final List<Integer> ports;

    private SimFleetProcess(ManagedProcess process, List<Integer> ports) {
        this.process = process;
        this.ports = ports;
    }

    static SimFleetProcess start(Launcher launcher, int instances, CostModel cost, Path log) throws IOException {
        List<String> args = new ArrayList<>(List.of("sim", "--instances", String.valueOf(instances), "--port", "0",
                "--max-model-len", "1000000"));
        args.addAll(cost.args());
        List<Integer> ports = new CopyOnWriteArrayList<>();
        ManagedProcess p = ManagedProcess.start(launcher.withFlags(Rig.SIM_FLAGS).command(args), log, line -> {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                ports.add(Integer.parseInt(m.group(1)));
            }
            return ports.size() == instances;
        });
        try {
            p.awaitReady(Duration.ofSeconds(60));
            for (int port : ports) {
                SimControl.awaitUp(port, Duration.ofSeconds(30));
            }
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
        return new SimFleetProcess(p, List.copyOf(ports));
    }

    List<Integer> ports() {
        return ports;
    }

    int port(int instance) {
        return ports.get(instance);
    }

    int size() {
        return ports.size();
    }

    /** Every instance forgets its stats, request log and prefix cache, is healthy and answers with {@code scenario}. */
    void resetAll(String scenario) throws IOException {
        for (int i = 0; i < ports.size(); i++) {
            fault(i, "none");
            SimControl.reset(port(i));
            check(SimpleHttp.post(port(i), "/sim/scenario", "application/json", bytes(scenario)), "scenario");
        }
    }

    /**
     * Puts a fault on instance {@code instance} ({@code down}, {@code none}…), asked through another instance of the
     * fleet so a down instance can be brought back.
     */
    void fault(int instance, String mode) throws IOException {
        int via = port(instance == 0 && ports.size() > 1 ? 1 : 0);
        String body = "{\"mode\":\"" + mode + "\",\"instance\":" + instance + "}";
        check(SimpleHttp.post(via, "/sim/fault", "application/json", bytes(body)), "fault " + mode);
    }

    /** {@code GET /sim/stats} with every recorded timing. */
    JsonNode stats(int instance) throws IOException {
        SimpleHttp.Response r = SimpleHttp.get(port(instance), "/sim/stats?timings=all");
        check(r, "stats");
        return BenchJson.MAPPER.readTree(r.body());
    }

    /** {@code GET /sim/requests}: the last requests the instance received (up to its log's 500), oldest first. */
    JsonNode requests(int instance) throws IOException {
        SimpleHttp.Response r = SimpleHttp.get(port(instance), "/sim/requests?limit=500");
        check(r, "requests");
        return BenchJson.MAPPER.readTree(r.body());
    }

    private static void check(SimpleHttp.Response r, String what) throws IOException {
        if (r.status() / 100 != 2) {
            throw new IOException("simulator refused " + what + ": " + r.status() + " " + r.body());
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        process.close();
    }
}
