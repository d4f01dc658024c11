package dev.tolk.core.translate.request;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.json.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The client's body for an upstream that speaks Anthropic: model, max_tokens and the billing header fixed, the rest as sent. */
class PassthroughBodyTest {
    private static JsonNode rewrite(String json, String model, int maxTokens) throws Exception {
        return Json.MAPPER.readTree(PassthroughBody.rewrite(json.getBytes(StandardCharsets.UTF_8), model, maxTokens));
    }

    @Test
    void modelMaxTokensAndBillingHeaderBlocks() throws Exception {
        JsonNode out = rewrite("{\"model\":\"claude-opus-5-5\",\"max_tokens\":128000,\"system\":["
                + "{\"type\":\"text\",\"text\":\"x-anthropic-billing-header: cc_version=2.1.331; cch=1f2e;\"},"
                + "{\"type\":\"text\",\"text\":\"You are Claude Code.\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"thinking\":{\"type\":\"adaptive\"}}",
                "qwen3-coder", 30000);
        assertThat(out.path("model").asText()).isEqualTo("qwen3-coder");
        assertThat(out.path("max_tokens").asInt()).isEqualTo(30000);
        assertThat(out.path("system")).hasSize(1);
        assertThat(out.path("system").get(0).path("cache_control").path("type").asText()).isEqualTo("ephemeral");
        assertThat(out.path("thinking").path("type").asText()).isEqualTo("adaptive");
    }

    @Test
    void aSystemThatIsOnlyTheBillingHeaderGoesAway() throws Exception {
        assertThat(rewrite("{\"model\":\"a\",\"max_tokens\":5,\"system\":\"x-anthropic-billing-header: x\","
                + "\"messages\":[]}", "b", 5).has("system")).isFalse();
        assertThat(rewrite("{\"model\":\"a\",\"max_tokens\":5,\"system\":[{\"type\":\"text\",\"text\":"
                + "\"X-Anthropic-Billing-Header: y\"}],\"messages\":[]}", "b", 5).has("system")).isFalse();
        assertThat(rewrite("{\"model\":\"a\",\"max_tokens\":5,\"system\":\"keep me\",\"messages\":[]}", "b", 5)
                .path("system").asText()).isEqualTo("keep me");
    }
}
