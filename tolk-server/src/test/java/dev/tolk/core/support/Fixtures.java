package dev.tolk.core.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The real Claude Code requests in {@code <repo>/../shared/fixtures/claude-code} (or {@code $TOLK_SHARED_DIR}). */
public final class Fixtures {
    private Fixtures() {}

    /** One recorded request: file, sequence number, path, and body bytes. */
    public record Recorded(String file, int seq, String path, byte[] body) {
        @Override
        public String toString() {
            return file + "#" + seq + " " + path;
        }
    }

    public static Path sharedDir() {
        String env = System.getenv("TOLK_SHARED_DIR");
        if (env != null && Files.isDirectory(Path.of(env))) {
            return Path.of(env);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("shared/fixtures/claude-code"))) {
                return p.resolve("shared");
            }
            if (p.getParent() != null && Files.isDirectory(p.getParent().resolve("shared/fixtures/claude-code"))) {
                return p.getParent().resolve("shared");
            }
        }
        throw new IllegalStateException("shared/fixtures/claude-code not found beside the repository; set TOLK_SHARED_DIR");
    }

    public static List<Recorded> all() {
        List<Recorded> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(sharedDir().resolve("fixtures/claude-code"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode r = Json.MAPPER.readTree(line);
                    JsonNode body = r.get("body");
                    if (body == null || !body.isObject()) {
                        continue;
                    }
                    out.add(new Recorded(f.getFileName().toString(), r.path("seq").asInt(), r.path("path").asText(),
                            Json.MAPPER.writeValueAsBytes(body)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public static List<Recorded> messages() {
        return all().stream().filter(r -> r.path().equals("/v1/messages")).toList();
    }

    public static List<Recorded> countTokens() {
        return all().stream().filter(r -> r.path().equals("/v1/messages/count_tokens")).toList();
    }

    /** The n-th (0-based) /v1/messages request of a fixture file whose name starts with {@code prefix}. */
    public static Recorded message(String prefix, int n) {
        return messages().stream().filter(r -> r.file().startsWith(prefix)).skip(n).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no request " + n + " in " + prefix));
    }
}
