package dev.tolk.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the JMH microbenchmarks of this module in a child JVM (`java -cp ... org.openjdk.jmh.Main`) with the GC
 * profiler, and keeps score, unit and normalised allocation per operation of each.
 */
final class JmhRunner {
    private JmhRunner() {}

    static ObjectNode run(String java, String classPath, Path workDir, boolean quick, Path fixturesDir)
            throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path result = workDir.resolve("jmh.json");
        Files.deleteIfExists(result);
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", classPath,
                "-Dtolk.bench.fixtures=" + fixturesDir.toAbsolutePath(),
                "org.openjdk.jmh.Main", "dev.tolk.bench.jmh.*",
                "-prof", "gc", "-rf", "json", "-rff", result.toString(),
                "-jvmArgsAppend", "-Dtolk.bench.fixtures=" + fixturesDir.toAbsolutePath()));
        if (quick) {
            cmd.addAll(List.of("-f", "1", "-wi", "1", "-w", "300ms", "-i", "1", "-r", "300ms"));
        } else {
            cmd.addAll(List.of("-f", "1", "-wi", "3", "-w", "2s", "-i", "5", "-r", "2s"));
        }
        Path log = workDir.resolve("jmh.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("JMH did not finish in 15 minutes; see " + log);
        }
        ObjectNode out = BenchJson.MAPPER.createObjectNode();
        if (p.exitValue() != 0 || !Files.exists(result)) {
            throw new IOException("JMH failed (exit " + p.exitValue() + "); see " + log);
        }
        for (JsonNode b : BenchJson.MAPPER.readTree(result.toFile())) {
            String name = b.path("benchmark").asText();
            ObjectNode n = out.putObject(name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1));
            n.put("mode", b.path("mode").asText());
            n.put("score", b.path("primaryMetric").path("score").asDouble());
            n.put("error", b.path("primaryMetric").path("scoreError").asDouble());
            n.put("unit", b.path("primaryMetric").path("scoreUnit").asText());
            JsonNode alloc = b.path("secondaryMetrics").path("gc.alloc.rate.norm");
            if (!alloc.isMissingNode()) {
                n.put("allocBytesPerOp", alloc.path("score").asDouble());
            }
            JsonNode params = b.path("params");
            if (params.isObject()) {
                n.set("params", params);
            }
        }
        return out;
    }
}
