package dev.tolk.core.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.core.ObjectMappers;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.StopReason;
import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.translate.response.ResponseTranslator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Non-streaming vLLM completions → Anthropic messages the official SDK parses (protocol.md §C.3). */
class ResponseTranslationTest {
    private static Message translate(String completion) throws Exception {
        byte[] body = ResponseTranslator.translate(completion.getBytes(StandardCharsets.UTF_8), StreamHarness.facts(),
                "msg_1").body();
        return ObjectMappers.jsonMapper().readValue(body, Message.class);
    }

    private static String completion(String message, String finish, String stop, String usage) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
                + "\"message\":" + message + ",\"logprobs\":null,\"finish_reason\":\"" + finish + "\",\"stop_reason\":" + stop
                + "}],\"usage\":" + usage + "}";
    }

    @Test
    void thinkingTextAndToolUseBlocksInOrderWithToolUseStop() throws Exception {
        Message m = translate(completion("{\"role\":\"assistant\",\"content\":\"\\n\\nLet me check.\",\"reasoning\":\"User wants weather\","
                + "\"tool_calls\":[{\"id\":\"chatcmpl-tool-9a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\": \\\"Paris\\\"}\"}}]}", "tool_calls", "null",
                "{\"prompt_tokens\":2460,\"total_tokens\":2547,\"completion_tokens\":87,\"prompt_tokens_details\":{\"cached_tokens\":2048}}"));
        assertThat(m.content()).hasSize(3);
        assertThat(m.content().get(0).asThinking().thinking()).isEqualTo("User wants weather");
        assertThat(m.content().get(1).asText().text()).isEqualTo("Let me check.");
        assertThat(m.content().get(2).asToolUse().name()).isEqualTo("get_weather");
        assertThat(m.stopReason()).contains(StopReason.TOOL_USE);
        assertThat(m.usage().inputTokens()).isEqualTo(412);
        assertThat(m.usage().cacheReadInputTokens()).contains(2048L);
        assertThat(m.model().asString()).isEqualTo("claude-opus-5-5");
    }

    @Test
    void whitespaceOnlyContentGivesNoTextBlockAndOldEmptyToolCallsAreIgnored() throws Exception {
        Message m = translate(completion("{\"role\":\"assistant\",\"content\":\"  \\n\",\"tool_calls\":[]}", "stop", "null",
                "{\"prompt_tokens\":5,\"total_tokens\":6,\"completion_tokens\":1}"));
        assertThat(m.content()).isEmpty();
        assertThat(m.stopReason()).contains(StopReason.END_TURN);
    }

    @Test
    void anUnreadableUpstreamBodyIsAnApiError() {
        assertThatThrownBy(() -> translate("<html>bad gateway</html>")).isInstanceOf(AnthropicException.class)
                .satisfies(e -> assertThat(((AnthropicException) e).error().status()).isEqualTo(500));
    }
}
