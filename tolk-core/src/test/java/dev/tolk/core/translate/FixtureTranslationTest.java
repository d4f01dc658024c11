package dev.tolk.core.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.anthropic.request.MessagesRequestParser;
import dev.tolk.core.json.Json;
import dev.tolk.core.support.Fixtures;
import dev.tolk.core.translate.request.RequestTranslator;
import dev.tolk.core.translate.request.TranslatedRequest;
import dev.tolk.core.translate.request.TranslatedTokenize;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every real Claude Code request translates into a conversation vLLM accepts (protocol.md §C.1–C.2). */
class FixtureTranslationTest {
    private static final RequestTranslator TRANSLATOR =
            new RequestTranslator(TranslationOptions.defaults(), ModelResolver.fixed("qwen3-sim"));

    static Stream<Fixtures.Recorded> messages() {
        return Fixtures.messages().stream();
    }

    static Stream<Fixtures.Recorded> countTokens() {
        return Fixtures.countTokens().stream();
    }

    @Test
    void allOneHundredThirtyTwoRecordedRequestsAreCovered() {
        assertThat(Fixtures.messages().size() + Fixtures.countTokens().size()).isEqualTo(132 - 11);
        // 132 requests in all; 11 of them are CONNECT attempts or GET /v1/models without a body
        assertThat(Fixtures.countTokens()).hasSize(25);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void everyRecordedMessagesRequestTranslatesToAValidVllmConversation(Fixtures.Recorded r) throws Exception {
        TranslatedRequest t = TRANSLATOR.translate(r.body()); // no field of Claude Code's is rejected
        assertThat(t.unknownFields()).as("every field Claude Code sends has a disposition").isEmpty();
        JsonNode chat = Json.MAPPER.readTree(t.upstreamBody());
        JsonNode source = Json.MAPPER.readTree(r.body());

        assertThat(chat.get("model").asText()).isEqualTo("qwen3-sim");
        assertThat(chat.get("messages").isArray()).isTrue();
        if (chat.has("tools")) {
            assertThat(chat.get("tools").size()).as("never tools: []").isPositive();
            for (JsonNode tool : chat.get("tools")) {
                assertThat(tool.path("type").asText()).isEqualTo("function");
                assertThat(tool.path("function").path("parameters").path("type").asText()).isEqualTo("object");
                assertThat(tool.path("function").path("parameters").has("$schema")).isFalse();
            }
        } else {
            assertThat(chat.has("tool_choice")).isFalse();
        }
        assertConversationIsWellFormed(chat.get("messages"));
        assertNoBillingHeader(chat);
        assertTextOrderPreserved(source, chat);
        if (source.path("stream").asBoolean(false)) {
            assertThat(chat.path("stream_options").path("include_usage").asBoolean()).isTrue();
        } else {
            assertThat(chat.has("stream_options")).isFalse();
        }
        assertThat(chat.has("temperature")).isEqualTo(source.has("temperature"));
        assertThat(chat.get("max_tokens").asInt()).isEqualTo(source.get("max_tokens").asInt());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("countTokens")
    void everyRecordedCountTokensRequestBecomesATokenizeBody(Fixtures.Recorded r) throws Exception {
        TranslatedTokenize t = TRANSLATOR.translateCountTokens(r.body());
        JsonNode body = Json.MAPPER.readTree(t.body());
        assertThat(body.get("add_generation_prompt").asBoolean()).isTrue();
        assertConversationIsWellFormed(body.get("messages"));
        if (body.has("tools")) {
            assertThat(body.get("tools").size()).isPositive();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void everyRecordedRequestRoundTripsThroughTheWireModelUnchanged(Fixtures.Recorded r) throws Exception {
        var parsed = MessagesRequestParser.parseMessages(r.body());
        JsonNode again = Json.MAPPER.readTree(Json.MAPPER.writeValueAsBytes(parsed.raw()));
        assertThat(again).isEqualTo(Json.MAPPER.readTree(r.body()));
        var reparsed = MessagesRequestParser.parseMessages(Json.MAPPER.writeValueAsBytes(again));
        assertThat(reparsed.messages()).hasSameSizeAs(parsed.messages());
        assertThat(reparsed.tools()).hasSameSizeAs(parsed.tools());
    }

    /** System only first; user/assistant alternate; every tool call is answered right after, by id. */
    static void assertConversationIsWellFormed(JsonNode messages) {
        assertThat(messages.size()).isPositive();
        String previous = null;
        Set<String> pending = new HashSet<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String role = m.get("role").asText();
            assertThat(role).isIn("system", "user", "assistant", "tool");
            if (role.equals("system")) {
                assertThat(i).as("system message only first").isZero();
            }
            if (role.equals("tool")) {
                assertThat(previous).isIn("assistant", "tool");
                assertThat(pending).as("tool result answers an open call").contains(m.get("tool_call_id").asText());
                pending.remove(m.get("tool_call_id").asText());
            } else {
                assertThat(pending).as("every tool call answered before the next turn").isEmpty();
                if (role.equals("user") || role.equals("assistant")) {
                    assertThat(role).as("roles alternate at " + i).isNotEqualTo(previous);
                }
            }
            if (role.equals("assistant")) {
                for (JsonNode c : m.path("tool_calls")) {
                    JsonNode args = readJson(c.path("function").path("arguments").asText());
                    assertThat(args.isObject()).as("arguments parse as a JSON object").isTrue();
                    pending.add(c.get("id").asText());
                }
            }
            if (role.equals("user")) {
                assertThat(m.get("content").isNull()).isFalse();
            }
            previous = role;
        }
    }

    private static void assertNoBillingHeader(JsonNode chat) {
        assertThat(chat.toString()).doesNotContain("x-anthropic-billing-header");
        assertThat(chat.toString()).doesNotContain("cache_control");
    }

    /** The texts of the source appear in the translated conversation in the same order. */
    private static void assertTextOrderPreserved(JsonNode source, JsonNode chat) {
        List<String> texts = new ArrayList<>();
        for (JsonNode m : source.get("messages")) {
            JsonNode c = m.get("content");
            if (c.isTextual()) {
                texts.add(c.asText());
            } else {
                for (JsonNode b : c) {
                    if ("text".equals(b.path("type").asText()) && !b.path("text").asText().isBlank()) {
                        texts.add(b.path("text").asText());
                    }
                }
            }
        }
        String all = chat.get("messages").toString();
        int at = 0;
        for (String t : texts) {
            String needle = Json.MAPPER.valueToTree(t).toString();
            needle = needle.substring(1, Math.min(needle.length() - 1, 80));
            int found = all.indexOf(needle, at);
            assertThat(found).as("text in order: " + needle).isGreaterThanOrEqualTo(0);
            at = found;
        }
    }

    private static JsonNode readJson(String s) {
        try {
            return Json.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }
}
