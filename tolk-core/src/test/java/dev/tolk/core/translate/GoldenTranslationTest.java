package dev.tolk.core.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tolk.core.json.Json;
import dev.tolk.core.support.Fixtures;
import dev.tolk.core.translate.request.RequestTranslator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden files pin the full translation of representative Claude Code requests:
 * {@code src/test/resources/golden/<case>/{anthropic.json, chat.json}}. Run with {@code -Dtolk.golden.update=true}
 * to rewrite the expected files, then review the diff.
 */
class GoldenTranslationTest {
    private static final Path DIR = Path.of("src/test/resources/golden");
    private static final RequestTranslator T =
            new RequestTranslator(TranslationOptions.defaults(), ModelResolver.fixed("qwen3-sim"));

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("text-turn", "02-", 0),
                Arguments.of("tool-turn-2", "70-", 1),
                Arguments.of("thinking-turn", "40-", 1),
                Arguments.of("compaction-request", "28-", 2),
                Arguments.of("bare-mode", "43-", 0),
                Arguments.of("cli-2.1.197", "60-", 1),
                Arguments.of("sonnet-4-5-full-name", "16-", 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void translationMatchesTheGoldenFile(String name, String fixture, int index) throws Exception {
        Fixtures.Recorded r = Fixtures.message(fixture, index);
        JsonNode actual = Json.MAPPER.readTree(T.translate(r.body()).upstreamBody());
        Path dir = DIR.resolve(name);
        if (Boolean.getBoolean("tolk.golden.update")) {
            Files.createDirectories(dir);
            var pretty = Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT);
            Files.writeString(dir.resolve("anthropic.json"), pretty.writeValueAsString(Json.MAPPER.readTree(r.body())));
            Files.writeString(dir.resolve("chat.json"), pretty.writeValueAsString(actual));
        }
        assertThat(dir.resolve("chat.json"))
                .withFailMessage("golden file %s is missing; write it with "
                        + "mvn -pl tolk-core test -Dtest=GoldenTranslationTest -Dtolk.golden.update=true, then review it",
                        dir.resolve("chat.json"))
                .exists();
        JsonNode expected = Json.MAPPER.readTree(Files.readString(dir.resolve("chat.json")));
        assertThat(actual).isEqualTo(expected);
    }
}
