package dev.tolk.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.json.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tolk sessions}: the recent Claude Code sessions of a running gateway ({@code GET /admin/sessions}) as a table
 * (turns, tokens, the share of prompt tokens read from the prefix cache, median time to first token, when last seen)
 * or, with {@code --json}, as the gateway answered. Exit code 0, or 1 when the gateway could not be asked.
 */
@Command(name = "sessions", mixinStandardHelpOptions = true,
        description = "List the recent Claude Code sessions of a running gateway: turns, tokens, cache share, "
                + "time to first token.")
public final class SessionsCommand implements Callable<Integer> {
    @Option(names = "--url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8484",
            description = "The gateway (default: ${DEFAULT-VALUE}).")
    URI url;

    @Option(names = "--admin-key", paramLabel = "KEY",
            description = "The gateway's admin key; default TOLK_ADMIN_KEY (prefer the variable: a flag shows in ps). "
                    + "Not needed for a gateway on loopback without one.")
    String adminKey;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
            description = "Sessions to list (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "Print the gateway's JSON as it is.")
    boolean json;

    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() {
        String key = adminKey != null ? adminKey : System.getenv("TOLK_ADMIN_KEY");
        URI sessions = url.resolve("/admin/sessions?limit=" + limit);
        HttpRequest.Builder req = HttpRequest.newBuilder(sessions).timeout(Duration.ofSeconds(10)).GET();
        if (key != null && !key.isEmpty()) {
            req.header("x-api-key", key);
        }
        HttpResponse<String> r;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            String why = e instanceof java.net.ConnectException ? "connection refused (is the gateway running?)"
                    : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            err.println("tolk sessions: could not reach " + url + ": " + why);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            err.println("tolk sessions: " + url + " needs its admin key: set TOLK_ADMIN_KEY or pass --admin-key");
            return 1;
        }
        if (r.statusCode() != 200) {
            err.println("tolk sessions: " + sessions + " answered " + r.statusCode() + ": " + r.body());
            return 1;
        }
        if (json) {
            out.println(r.body());
            return 0;
        }
        try {
            out.print(table(Json.MAPPER.readTree(r.body()), System.currentTimeMillis()));
        } catch (IOException e) {
            err.println("tolk sessions: " + url + " did not answer JSON: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    /** The sessions of an {@code /admin/sessions} answer as an aligned table, the latest first. */
    static String table(JsonNode answer, long nowMillis) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SESSION", "KEY", "TURNS", "INPUT", "CACHED", "OUTPUT", "CACHE", "TTFT P50",
                "FIRST SEEN", "LAST SEEN", "MODELS"});
        for (JsonNode s : answer.path("sessions")) {
            List<String> models = new ArrayList<>();
            s.path("client_models").forEach(m -> models.add(m.asText()));
            rows.add(new String[] {s.path("session").asText(), s.path("key").asText(), s.path("turns").asText(),
                    s.path("input_tokens").asText(), s.path("cached_tokens").asText(), s.path("output_tokens").asText(),
                    String.format(Locale.ROOT, "%.1f%%", s.path("cache_share").asDouble() * 100),
                    s.path("ttft_p50_ms").asLong() < 0 ? "-" : s.path("ttft_p50_ms").asLong() + " ms",
                    ago(nowMillis - s.path("first_seen").asLong()), ago(nowMillis - s.path("last_seen").asLong()),
                    String.join(",", models)});
        }
        if (rows.size() == 1) {
            return "no session yet (" + answer.path("source").asText() + ")\n";
        }
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                boolean number = i >= 2 && i <= 7;
                String cell = row[i];
                String pad = " ".repeat(width[i] - cell.length());
                sb.append(number ? pad + cell : i == row.length - 1 ? cell : cell + pad);
                if (i < row.length - 1) {
                    sb.append("  ");
                }
            }
            sb.append('\n');
        }
        sb.append(rows.size() - 1).append(" session(s), ").append(answer.path("source").asText()).append('\n');
        return sb.toString();
    }

    static String ago(long millis) {
        long s = Math.max(0, millis / 1000);
        if (s < 60) {
            return s + "s ago";
        }
        if (s < 3600) {
            return s / 60 + "m ago";
        }
        if (s < 86_400) {
            return s / 3600 + "h" + (s % 3600) / 60 + "m ago";
        }
        return s / 86_400 + "d ago";
    }
}
