package dev.tolk.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's wrk (C, epoll) with a Lua script that posts the request body and prints the summary as JSON; its
 * latency is the time to the end of each streamed response.
 */
final class WrkLoadGenerator implements LoadGenerator {
    private static final String MARK = "WRKJSON ";
    private final Path workDir;

    WrkLoadGenerator(Path workDir) {
        this.workDir = workDir;
    }

    static boolean available() {
        try {
            Process p = new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor(5, TimeUnit.SECONDS);
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public String name() {
        return "wrk";
    }

    @Override
    public LoadResult run(Endpoint endpoint, int connections, Duration duration) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path body = workDir.resolve("wrk-body-" + endpoint.name() + "-" + endpoint.body().length + ".json");
        Files.write(body, endpoint.body());
        Path script = workDir.resolve("wrk-" + endpoint.name() + ".lua");
        Files.writeString(script, luaScript(endpoint, body));
        List<String> cmd = new ArrayList<>(List.of("wrk", "-t", String.valueOf(Math.min(2, connections)),
                "-c", String.valueOf(connections), "-d", Math.max(1, duration.toSeconds()) + "s",
                "--timeout", "30s", "-s", script.toString(), "http://127.0.0.1:" + endpoint.port() + endpoint.path()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(duration.toSeconds() + 60, TimeUnit.SECONDS);
        int at = out.indexOf(MARK);
        if (at < 0) {
            throw new IOException("wrk printed no summary: " + out);
        }
        String json = out.substring(at + MARK.length()).lines().findFirst().orElseThrow();
        JsonNode s = BenchJson.MAPPER.readTree(json);
        long errors = s.path("connect").asLong() + s.path("read").asLong() + s.path("write").asLong()
                + s.path("status").asLong() + s.path("timeout").asLong();
        return new LoadResult(name(), s.path("requests").asLong(), s.path("duration_us").asLong() / 1e6,
                s.path("p50_us").asLong() / 1000.0, s.path("p99_us").asLong() / 1000.0, errors);
    }

    private static String luaScript(Endpoint endpoint, Path body) {
        StringBuilder headers = new StringBuilder();
        for (String line : endpoint.extraHeaders().split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.append("wrk.headers[\"").append(line, 0, colon).append("\"] = \"")
                        .append(line.substring(colon + 1).trim()).append("\"\n");
            }
        }
        return """
                local f = io.open("%s", "rb")
                wrk.method = "POST"
                wrk.body = f:read("*a")
                f:close()
                wrk.headers["Content-Type"] = "application/json"
                wrk.headers["Accept"] = "text/event-stream"
                %s
                done = function(summary, latency, requests)
                  local e = summary.errors
                  io.write(string.format('%s{"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,"write":%%d,"status":%%d,"timeout":%%d,"p50_us":%%d,"p99_us":%%d}\\n',
                    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
                    latency:percentile(50), latency:percentile(99)))
                end
                """.formatted(body.toAbsolutePath(), headers, MARK);
    }
}
