package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.sim.RequestLog;
import dev.tolk.sim.SimOptions;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Message threads through the gateway over real HTTP against the simulator: a continue reaches vLLM as the whole
 * conversation, each thread error has its status, type and {@code error.details.error_code}, a reply that failed or
 * was cut off is not stored, and {@code count_tokens} counts a thread's whole conversation.
 */
class ThreadsGatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BETA = "message-threads-2026-08-12";
    private static final String SCENARIO = """
            rules:
              - match: {hasToolResults: false, lastUserText: Oslo}
                reply: {text: 'Let me look.', toolCalls: [{name: get_weather, arguments: {city: Oslo}}]}
              - match: {hasToolResults: true, lastUserText: Oslo}
                reply: {text: 'It is sunny in Oslo.', chunks: 4}
            """;

    private final GatewayFixture f = new GatewayFixture();

    @AfterEach
    void close() {
        f.close();
    }

    private static ObjectNode create(boolean stream, String userText) {
        ObjectNode b = JSON.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 200)
                .put("stream", stream).put("system", "You answer about weather.");
        ObjectNode tool = b.putArray("tools").addObject().put("name", "get_weather").put("description", "weather");
        tool.putObject("input_schema").put("type", "object").putObject("properties").putObject("city")
                .put("type", "string");
        b.putObject("thread").put("type", "create");
        b.putArray("messages").addObject().put("role", "user").put("content", userText);
        return b;
    }

    private static ObjectNode toolResultContinue(boolean stream, String previousId, String toolUseId) {
        ObjectNode b = JSON.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 200)
                .put("stream", stream);
        b.putObject("thread").put("type", "continue").put("previous_message_id", previousId);
        ObjectNode result = b.putArray("messages").addObject().put("role", "user").putArray("content").addObject()
                .put("type", "tool_result").put("tool_use_id", toolUseId).put("content", "sunny, 21 C");
        assertThat(result).isNotNull();
        return b;
    }

    private static ObjectNode textContinue(String previousId, String text) {
        ObjectNode b = JSON.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 200);
        b.putObject("thread").put("type", "continue").put("previous_message_id", previousId);
        b.putArray("messages").addObject().put("role", "user").put("content", text);
        return b;
    }

    private HttpResponse<String> post(JsonNode body) throws Exception {
        return f.post("/v1/messages", body.toString(), "anthropic-beta", BETA, "anthropic-version", "2023-06-01");
    }

    /** A non-streaming answer, or a stream folded into id, tool_use id and text. */
    private static MessageReply reply(HttpResponse<String> r) throws Exception {
        return MessageReply.of(r);
    }

    private static void assertThreadError(HttpResponse<String> r, int status, String type, String code)
            throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode e = JSON.readTree(r.body());
        assertThat(e.get("type").asText()).isEqualTo("error");
        assertThat(e.get("error").get("type").asText()).isEqualTo(type);
        assertThat(e.get("error").get("details").get("error_code").asText()).isEqualTo(code);
        assertThat(e.get("request_id").asText()).startsWith("req_");
    }

    private JsonNode lastChatRequest() {
        List<RequestLog.Entry> log = f.sim.requests();
        for (int i = log.size() - 1; i >= 0; i--) {
            if (log.get(i).path().equals("/v1/chat/completions")) {
                return log.get(i).body();
            }
        }
        throw new AssertionError("no chat request reached the simulator");
    }

    @ParameterizedTest(name = "stream={0}")
    @ValueSource(booleans = {false, true})
    void aContinueReachesVllmAsTheWholeConversation(boolean stream) throws Exception {
        f.sim.loadScenario(SCENARIO);
        MessageReply first = reply(post(create(stream, "What is the weather in Oslo?")));
        assertThat(first.toolUseId()).isNotNull();

        MessageReply second = reply(post(toolResultContinue(stream, first.id(), first.toolUseId())));
        assertThat(second.text()).isEqualTo("It is sunny in Oslo.");

        JsonNode sent = lastChatRequest();
        ArrayNode messages = (ArrayNode) sent.get("messages");
        assertThat(messages).extracting(m -> m.get("role").asText())
                .containsExactly("system", "user", "assistant", "tool");
        assertThat(messages.get(0).get("content").asText()).isEqualTo("You answer about weather.");
        assertThat(messages.get(1).get("content").toString()).contains("What is the weather in Oslo?");
        assertThat(messages.get(2).get("tool_calls").get(0).get("id").asText()).isEqualTo(first.toolUseId());
        assertThat(messages.get(2).get("tool_calls").get(0).get("function").get("name").asText()).isEqualTo("get_weather");
        assertThat(messages.get(3).get("tool_call_id").asText()).isEqualTo(first.toolUseId());
        assertThat(sent.get("tools").get(0).get("function").get("name").asText()).isEqualTo("get_weather");
        assertThat(sent.path("stream").asBoolean(false)).isEqualTo(stream);

        // and a third turn, continuing the second reply, carries all five messages
        MessageReply third = reply(post(textContinue(second.id(), "Thanks! And Oslo tomorrow?")));
        assertThat(third.id()).startsWith("msg_");
        assertThat(lastChatRequest().get("messages")).hasSize(6);
    }

    @Test
    void anUnknownIdIsThreadNotFound() throws Exception {
        assertThreadError(post(textContinue("msg_nothing_here", "hi")), 404, "not_found_error", "thread_not_found");
    }

    @Test
    void aReplyContinuedTwiceIsAlreadyContinued() throws Exception {
        f.sim.loadScenario(SCENARIO);
        MessageReply first = reply(post(create(false, "What is the weather in Oslo?")));
        reply(post(toolResultContinue(false, first.id(), first.toolUseId())));
        assertThreadError(post(toolResultContinue(false, first.id(), first.toolUseId())), 400,
                "invalid_request_error", "thread_already_continued");
        String metrics = f.get("/metrics").body();
        assertThat(metrics).contains("tolk_thread_errors_total{code=\"thread_already_continued\"} 1.0");
        assertThat(metrics).contains("tolk_threads 1.0");
    }

    @Test
    void aSecondContinueWhileTheFirstStreamsIsInFlight() throws Exception {
        f.sim.loadScenario("""
                rules:
                  - match: {lastUserText: slow}
                    reply: {text: 'one two three four five six', chunks: 6, chunkDelayMs: 150}
                """);
        MessageReply first = reply(post(create(false, "hello")));
        ObjectNode slow = textContinue(first.id(), "slow please");
        slow.put("stream", true);
        CompletableFuture<HttpResponse<String>> inFlight = f.http.sendAsync(HttpRequest.newBuilder(
                        URI.create(f.tolk.baseUri() + "/v1/messages")).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(slow.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5)).until(() -> f.sim.stats().active() == 1);
        assertThreadError(post(textContinue(first.id(), "another")), 400, "invalid_request_error",
                "thread_continue_in_flight");
        MessageReply done = reply(inFlight.get());
        assertThat(done.text()).isEqualTo("one two three four five six");
        assertThreadError(post(textContinue(first.id(), "another")), 400, "invalid_request_error",
                "thread_already_continued");
    }

    @Test
    void aChangedModelOrSystemIsAFingerprintMismatch() throws Exception {
        MessageReply first = reply(post(create(false, "hello")));
        ObjectNode changed = textContinue(first.id(), "again");
        changed.put("model", "claude-haiku-4-5").put("system", "Something else.");
        HttpResponse<String> r = post(changed);
        assertThreadError(r, 400, "invalid_request_error", "thread_fingerprint_mismatch");
        assertThat(JSON.readTree(r.body()).get("error").get("details").get("fields"))
                .extracting(JsonNode::asText).containsExactly("model", "system");
        reply(post(textContinue(first.id(), "again"))); // the mismatch left it continuable
    }

    @Test
    void aPrefillWithAThreadIsAnUnsupportedRequest() throws Exception {
        ObjectNode b = create(false, "hello");
        ((ArrayNode) b.get("messages")).addObject().put("role", "assistant").put("content", "Sure, the answer is");
        HttpResponse<String> r = post(b);
        assertThreadError(r, 400, "invalid_request_error", "thread_unsupported_request");
        assertThat(JSON.readTree(r.body()).get("error").get("details").get("unsupported"))
                .extracting(JsonNode::asText).containsExactly("assistant_prefill");
        assertThat(f.sim.requests()).noneMatch(e -> e.path().equals("/v1/chat/completions"));
    }

    @Test
    void aMalformedThreadIsAnInvalidRequest() throws Exception {
        ObjectNode b = create(false, "hello");
        b.putObject("thread").put("type", "continue");
        HttpResponse<String> r = post(b);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("error").get("message").asText())
                .isEqualTo("thread.previous_message_id: Field required");
    }

    @Test
    void aReplyThatFailedUpstreamIsNotStoredAndThePreviousStaysContinuable() throws Exception {
        f.sim.loadScenario("""
                rules:
                  - match: {lastUserText: fail}
                    times: 1
                    reply: {error: {status: 500, message: boom}}
                """);
        MessageReply first = reply(post(create(false, "hello")));
        HttpResponse<String> failed = post(textContinue(first.id(), "fail now"));
        assertThat(failed.statusCode()).isEqualTo(500);
        MessageReply retried = reply(post(textContinue(first.id(), "fail now"))); // the rule retired: vLLM answers
        assertThat(retried.text()).isEqualTo("You said: fail now");
    }

    @Test
    void aStreamCutOffIsNotStoredAndThePreviousStaysContinuable() throws Exception {
        f.sim.loadScenario("""
                rules:
                  - match: {lastUserText: cut}
                    times: 1
                    reply: {text: 'a b c d e f', chunks: 6, fault: {type: eof, afterChunks: 2}}
                """);
        MessageReply first = reply(post(create(false, "hello")));
        ObjectNode cut = textContinue(first.id(), "cut me");
        cut.put("stream", true);
        HttpResponse<String> r = post(cut);
        assertThat(r.body()).contains("event: error").doesNotContain("message_stop");
        String cutId = reply(r).id();
        assertThreadError(post(textContinue(cutId, "next")), 404, "not_found_error", "thread_not_found");
        MessageReply again = reply(post(textContinue(first.id(), "not cut now")));
        assertThat(again.text()).isEqualTo("You said: not cut now");
        JsonNode sent = lastChatRequest().get("messages"); // system, user, assistant, user: the cut turn is not in it
        assertThat(sent).hasSize(4);
        assertThat(sent.toString()).doesNotContain("cut me");
    }

    @Test
    void countTokensWithAThreadCountsTheWholeConversation() throws Exception {
        MessageReply first = reply(post(create(false, "The secret word is " + "banana ".repeat(50))));
        ObjectNode count = textContinue(first.id(), "hi");
        count.remove("max_tokens");
        HttpResponse<String> withThread = f.post("/v1/messages/count_tokens", count.toString());
        assertThat(withThread.statusCode()).as(withThread.body()).isEqualTo(200);
        count.remove("thread");
        HttpResponse<String> alone = f.post("/v1/messages/count_tokens", count.toString());
        long whole = JSON.readTree(withThread.body()).get("input_tokens").asLong();
        long last = JSON.readTree(alone.body()).get("input_tokens").asLong();
        assertThat(whole).isGreaterThan(last + 50);
        // counting stored nothing and locked nothing: the reply can still be continued
        reply(post(textContinue(first.id(), "next")));
        assertThat(lastChatRequest().get("messages")).hasSize(4);
    }

    @Test
    void anOrdinaryRequestIsUntouched() throws Exception {
        ObjectNode b = create(false, "hello");
        b.remove("thread");
        reply(post(b));
        assertThat(f.get("/metrics").body()).contains("tolk_threads 0.0");
    }

    @Test
    void aZeroMemoryBoundStoresNothing() throws Exception {
        try (GatewayFixture g = new GatewayFixture(SimOptions.defaults(), c -> c.withThreadMemoryBytes(0))) {
            HttpResponse<String> r = g.post("/v1/messages", create(false, "hello").toString());
            String id = JSON.readTree(r.body()).get("id").asText();
            HttpResponse<String> next = g.post("/v1/messages", textContinue(id, "next").toString());
            assertThreadError(next, 404, "not_found_error", "thread_not_found");
        }
    }
}
