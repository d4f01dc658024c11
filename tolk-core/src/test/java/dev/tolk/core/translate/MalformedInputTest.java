package dev.tolk.core.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.anthropic.ErrorType;
import dev.tolk.core.support.Fixtures;
import dev.tolk.core.translate.request.RequestTranslator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Bad client input is a typed 400 {@code invalid_request_error}, never an unchecked exception. */
class MalformedInputTest {
    private static final RequestTranslator T = new RequestTranslator(TranslationOptions.defaults(), ModelResolver.fixed("m"));

    private static AnthropicException reject(String body) {
        Throwable t = catchThrowable(() -> T.translate(body.getBytes(StandardCharsets.UTF_8)));
        assertThat(t).isInstanceOf(AnthropicException.class);
        AnthropicException e = (AnthropicException) t;
        assertThat(e.error().status()).isEqualTo(400);
        assertThat(e.error().type()).isEqualTo(ErrorType.INVALID_REQUEST);
        return e;
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "{", "[]", "42", "null", "{\"model\":\"x\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}",
            "{\"model\":1,\"max_tokens\":1,\"messages\":[]}",
            "{\"model\":\"x\",\"max_tokens\":\"many\",\"messages\":[]}",
            "{\"model\":\"x\",\"max_tokens\":-1,\"messages\":[]}",
            "{\"model\":\"x\",\"max_tokens\":1,\"messages\":{}}",
            "{\"model\":\"x\",\"max_tokens\":1,\"messages\":[1]}",
            "{\"model\":\"x\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\"}]}",
            "{\"model\":\"x\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"no type\"}]}]}",
            "{\"model\":\"x\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\"}]}]}",
            "{\"model\":\"x\",\"max_tokens\":1,\"messages\":[]}",
            "{\"model\":\"x\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":{}}",
            "{\"model\":\"x\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":{\"type\":\"maybe\"}}",
            "{\"model\":\"x\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":\"hot\"}",
            "{\"model\":\"x\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":\"yes\"}",
            "{\"model\":\"x\",\"max_tokens\":1,\"system\":[{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"u\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
    })
    void malformedBodiesAreTyped400s(String body) {
        reject(body);
    }

    @Test
    void aMissingMaxTokensIsNamed() {
        assertThat(reject("{\"model\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").getMessage())
                .isEqualTo("max_tokens: Field required");
    }

    @Test
    void deepNestingIsRejectedNotAStackOverflow() {
        String deep = "[".repeat(100_000);
        reject("{\"model\":\"x\",\"max_tokens\":1,\"messages\":" + deep + "}");
    }

    @Test
    void aTenMegabyteStringIsAcceptedAndPassedThrough() throws Exception {
        String big = "a".repeat(10 * 1024 * 1024);
        var r = T.translate(("{\"model\":\"x\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"" + big
                + "\"}]}").getBytes(StandardCharsets.UTF_8));
        assertThat(r.upstreamBody().length).isGreaterThan(10 * 1024 * 1024);
    }

    @Test
    void unknownBlockTypesAndFieldsAreKeptNotRejected() throws Exception {
        var r = T.translate(("{\"model\":\"x\",\"max_tokens\":1,\"future_field\":{\"a\":1},\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"hologram\",\"data\":1},{\"type\":\"text\",\"text\":\"hi\",\"new\":true}]}]}")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(new String(r.upstreamBody(), StandardCharsets.UTF_8)).contains("\"content\":\"hi\"");
    }

    @Property(tries = 150)
    void randomMutationsOfRealRequestsNeverEscapeAsUncheckedExceptions(@ForAll @IntRange(min = 0, max = 1_000_000) int seed) {
        List<Fixtures.Recorded> all = Fixtures.messages();
        Random rnd = new Random(seed);
        byte[] body = all.get(rnd.nextInt(all.size())).body().clone();
        int edits = 1 + rnd.nextInt(8);
        for (int i = 0; i < edits; i++) {
            int at = rnd.nextInt(body.length);
            switch (rnd.nextInt(3)) {
                case 0 -> { String alphabet = "{}[]\":,0a-\\ "; body[at] = (byte) alphabet.charAt(rnd.nextInt(alphabet.length())); }
                case 1 -> body = java.util.Arrays.copyOf(body, Math.max(1, at));
                default -> body[at] = (byte) rnd.nextInt(256);
            }
        }
        byte[] input = body;
        Throwable t = catchThrowable(() -> T.translate(input));
        if (t != null) {
            assertThat(t).isInstanceOf(AnthropicException.class);
            assertThat(((AnthropicException) t).error().status()).isEqualTo(400);
        }
    }
}
