package dev.tolk.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.translate.InlineSystemPolicy;
import dev.tolk.core.translate.ModelResolver;
import dev.tolk.core.translate.PdfPolicy;
import dev.tolk.core.translate.ReasoningStyle;
import dev.tolk.core.translate.TranslationOptions;
import dev.tolk.core.translate.request.RequestTranslator;
import dev.tolk.core.translate.request.TranslatedRequest;
import dev.tolk.core.translate.request.TranslatedTokenize;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code /v1/messages} and {@code count_tokens} bodies → {@link RequestTranslator}. Property: every input is
 * either translated into a well-formed upstream request or rejected with an {@link AnthropicException} carrying a
 * 4xx; nothing else (no NPE, ClassCastException, Jackson exception, StackOverflowError…) escapes.
 */
class RequestFuzzTest {

    /** Arbitrary bytes: the parser's robustness. Seeds: {@code RequestFuzzTestInputs/anyBytes/}. */
    @DictionaryEntries({"\"model\"", "\"max_tokens\"", "\"messages\"", "\"role\"", "\"user\"", "\"assistant\"",
            "\"content\"", "\"type\"", "\"text\"", "\"tool_use\"", "\"tool_result\"", "\"thinking\"", "\"image\"",
            "\"document\"", "\"source\"", "\"tools\"", "\"tool_choice\"", "\"system\"", "\"input_schema\"",
            "\"stop_sequences\"", "\"output_config\"", "\"stream\"", "\"name\"", "\"id\"", "\"input\"",
            "\"tool_use_id\"", "\"budget_tokens\"", "\"enabled\"", "null", "true", "false", "{}", "[]", "\\u0000",
            "\\ud83d", "1e999"})
    @FuzzTest
    void anyBytes(byte[] body) {
        TranslationOptions options = TranslationOptions.defaults();
        checkMessages(options, body);
        checkCountTokens(options, body);
    }

    /** A real Claude Code request with structural edits, under varied operator options: the translator's rules. */
    @FuzzTest
    void mutatedClaudeCodeRequest(FuzzedDataProvider data) {
        TranslationOptions options = options(data);
        ObjectNode body = ClaudeCodeSeeds.body(data.consumeInt(0, ClaudeCodeSeeds.count() - 1));
        RequestMutator.mutate(body, data);
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        checkMessages(options, bytes);
        checkCountTokens(options, bytes);
    }

    private static TranslationOptions options(FuzzedDataProvider data) {
        return new TranslationOptions(data.pickValue(ReasoningStyle.values()), data.pickValue(InlineSystemPolicy.values()),
                data.consumeBoolean(), data.pickValue(PdfPolicy.values()), data.consumeBoolean(), data.consumeBoolean());
    }

    private static void checkMessages(TranslationOptions options, byte[] body) {
        TranslatedRequest r;
        try {
            r = new RequestTranslator(options, ModelResolver.identity()).translate(body);
        } catch (AnthropicException e) {
            assertClientError(e);
            return;
        }
        JsonNode upstream = readObject(r.upstreamBody());
        assertThat(upstream.path("messages").isArray()).as("messages").isTrue();
        assertThat(upstream.path("messages").size()).as("message count").isPositive();
        assertThat(upstream.path("model").isTextual()).as("model").isTrue();
        readObject(r.tokenizeBody());
        readObject(r.withMaxTokens(1).upstreamBody());
        readObject(r.withToolChoiceNone().upstreamBody());
        assertThat(r.facts().clientModel()).isNotNull();
    }

    private static void checkCountTokens(TranslationOptions options, byte[] body) {
        TranslatedTokenize t;
        try {
            t = new RequestTranslator(options, ModelResolver.identity()).translateCountTokens(body);
        } catch (AnthropicException e) {
            assertClientError(e);
            return;
        }
        readObject(t.body());
    }

    private static void assertClientError(AnthropicException e) {
        assertThat(e.error()).isNotNull();
        assertThat(e.error().status()).as("status of %s", e.getMessage()).isBetween(400, 499);
        assertThat(e.getMessage()).isNotBlank();
    }

    private static JsonNode readObject(byte[] json) {
        try {
            JsonNode n = AnthropicSseChecker.LENIENT.readTree(json);
            assertThat(n).isInstanceOf(ObjectNode.class);
            return n;
        } catch (IOException e) {
            throw new AssertionError("the translator wrote invalid JSON: " + e.getMessage(), e);
        }
    }
}
