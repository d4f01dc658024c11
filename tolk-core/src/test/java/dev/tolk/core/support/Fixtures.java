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

/**
 * The real Claude Code requests in the repository's {@code fixtures/claude-code} (its README tells where they come
 * from), found from the working directory so that tests run from the repository root or any module.
 */
public final class Fixtures {
    private Fixtures() {}

    /** One recorded request: file, sequence number, path, and body bytes. */
    public record Recorded(String file, int seq, String path, byte[] body) {
        @Override
        public String toString() {
            return file + "#" + seq + " " + path;
        }
    }

    /** {@code <repo>/fixtures/claude-code}: the nearest folder at or above the working directory with a pom.xml and it. */
    public static Path dir() {
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            Path dir = p.resolve("fixtures").resolve("claude-code");
            if (Files.isRegularFile(p.resolve("pom.xml")) && Files.isDirectory(dir)) {
                return dir;
            }
        }
        throw new IllegalStateException("fixtures/claude-code not found at or above " + start
                + "; run from inside the Tolk repository");
    }

    public static List<Recorded> all() {
        List<Recorded> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir())) {
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
