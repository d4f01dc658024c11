package dev.tolk.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.translate.RequestFacts;
import dev.tolk.core.translate.response.ResponseTranslator;
import dev.tolk.core.translate.response.TranslatedResponse;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * A vLLM non-streaming response body → {@link ResponseTranslator}. Property: either an Anthropic message (a JSON
 * object of type {@code message} with a content array and a stop reason) or an {@link AnthropicException} with an
 * error to send; nothing else escapes.
 */
class ResponseFuzzTest {
    private static final RequestFacts FACTS = new RequestFacts("claude-sonnet-4-5", "qwen3", false, 4096,
            List.of("END"), false, true, Set.of("Bash", "Read"), true);

    @DictionaryEntries({"\"choices\"", "\"message\"", "\"content\"", "\"reasoning\"", "\"reasoning_content\"",
            "\"tool_calls\"", "\"function\"", "\"name\"", "\"arguments\"", "\"finish_reason\"", "\"stop_reason\"",
            "\"usage\"", "\"prompt_tokens\"", "\"completion_tokens\"", "\"error\"", "\"object\"", "\"code\"",
            "\"tool_calls\"", "\"length\"", "\"stop\"", "<tool_call>", "</tool_call>", "\"Bash\"", "null", "{}", "[]"})
    @FuzzTest
    void anyCompletion(byte[] body) {
        TranslatedResponse r;
        try {
            r = ResponseTranslator.translate(body, FACTS, "msg_fuzz");
        } catch (AnthropicException e) {
            assertThat(e.error()).isNotNull();
            assertThat(e.error().status()).isBetween(400, 599);
            return;
        }
        JsonNode message;
        try {
            message = AnthropicSseChecker.LENIENT.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("the translator wrote invalid JSON", e);
        }
        assertThat(message.path("type").asText()).isEqualTo("message");
        assertThat(message.path("content").isArray()).isTrue();
        assertThat(message.path("stop_reason").isTextual()).isTrue();
        assertThat(r.stopReason()).isNotNull();
    }
}
