package dev.tolk.core.threads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.anthropic.request.MessagesRequest;
import dev.tolk.core.anthropic.request.MessagesRequestParser;
import dev.tolk.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ThreadStoreTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private ThreadStore store = new ThreadStore(ThreadStore.DEFAULT_MAX_BYTES, Duration.ofMinutes(5), now::get);

    private static MessagesRequest req(String json) throws AnthropicException {
        return MessagesRequestParser.parseMessages(json.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    }

    private static String create(String messages) {
        return "{'model':'m','max_tokens':10,'system':'be brief','tools':[{'name':'t','input_schema':{'type':'object'}}],"
                + "'thread':{'type':'create'},'messages':" + messages + "}";
    }

    private static String cont(String prev, String messages) {
        return "{'model':'m','max_tokens':10,'thread':{'type':'continue','previous_message_id':'" + prev
                + "'},'messages':" + messages + "}";
    }

    private static byte[] reply(String id, String text) {
        return ("{\"id\":\"" + id + "\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\""
                + text + "\"}]}").getBytes(StandardCharsets.UTF_8);
    }

    private static String code(Throwable t) {
        return ((AnthropicException) t).error().errorCode();
    }

    private ThreadTurn turn(String json) throws AnthropicException {
        return store.begin(req(json));
    }

    @Test
    void noThreadFieldIsTheOrdinaryPath() throws Exception {
        assertThat(turn("{'model':'m','max_tokens':1,'messages':[{'role':'user','content':'hi'}]}")).isNull();
        assertThat(store.threads()).isZero();
    }

    @Test
    void continueExpandsToTheWholeConversation() throws Exception {
        ThreadTurn first = turn(create("[{'role':'user','content':'one'}]"));
        assertThat(first.request().raw().has("thread")).isFalse();
        first.recordMessage(reply("msg_1", "first answer"));
        ThreadTurn second = turn(cont("msg_1", "[{'role':'user','content':'two'}]"));
        MessagesRequest full = second.request();
        assertThat(full.messages()).extracting(m -> m.role()).containsExactly("user", "assistant", "user");
        JsonNode raw = full.raw();
        assertThat(raw.get("messages").get(1).get("content").get(0).get("text").asText()).isEqualTo("first answer");
        assertThat(raw.get("system").asText()).isEqualTo("be brief");
        assertThat(raw.get("tools").get(0).get("name").asText()).isEqualTo("t");
        assertThat(raw.has("thread")).isFalse();
        second.recordMessage(reply("msg_2", "second answer"));
        MessagesRequest third = turn(cont("msg_2", "[{'role':'user','content':'three'}]")).request();
        assertThat(third.messages()).hasSize(5);
        assertThat(store.threads()).isEqualTo(1); // msg_1's conversation moved to msg_2; msg_2 is in flight
    }

    @Test
    void aReplyCanBeContinuedOnce() throws Exception {
        turn(create("[{'role':'user','content':'one'}]")).recordMessage(reply("msg_1", "a"));
        turn(cont("msg_1", "[{'role':'user','content':'two'}]")).recordMessage(reply("msg_2", "b"));
        assertThatThrownBy(() -> turn(cont("msg_1", "[{'role':'user','content':'again'}]")))
                .satisfies(t -> assertThat(code(t)).isEqualTo(ThreadErrors.ALREADY_CONTINUED))
                .satisfies(t -> assertThat(((AnthropicException) t).error().status()).isEqualTo(400));
    }

    @Test
    void aContinueInFlightLocksItsIdUntilItEnds() throws Exception {
        turn(create("[{'role':'user','content':'one'}]")).recordMessage(reply("msg_1", "a"));
        ThreadTurn inFlight = turn(cont("msg_1", "[{'role':'user','content':'two'}]"));
        assertThatThrownBy(() -> turn(cont("msg_1", "[{'role':'user','content':'two'}]")))
                .satisfies(t -> assertThat(code(t)).isEqualTo(ThreadErrors.CONTINUE_IN_FLIGHT));
        inFlight.abandon(); // the reply failed: nothing stored, msg_1 is continuable again
        ThreadTurn retry = turn(cont("msg_1", "[{'role':'user','content':'two'}]"));
        assertThat(retry.request().messages()).hasSize(3);
    }

    @Test
    void anAbandonedStreamStoresNothing() throws Exception {
        ThreadTurn t = turn(create("[{'role':'user','content':'one'}]"));
        var sink = t.recorder();
        sink.messageStart("msg_s", "m", dev.tolk.core.anthropic.response.Usage.ZERO);
        sink.contentBlockStartText(0);
        sink.textDelta(0, "partial");
        t.abandon(); // no message_stop: cut off
        assertThatThrownBy(() -> turn(cont("msg_s", "[{'role':'user','content':'x'}]")))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ThreadErrors.NOT_FOUND))
                .satisfies(e -> assertThat(((AnthropicException) e).error().status()).isEqualTo(404));
    }

    @Test
    void aCompleteStreamIsStoredUnderItsMessageStartId() throws Exception {
        ThreadTurn t = turn(create("[{'role':'user','content':'one'}]"));
        var sink = t.recorder();
        sink.messageStart("msg_s", "m", dev.tolk.core.anthropic.response.Usage.ZERO);
        sink.contentBlockStartToolUse(0, "toolu_1", "t");
        sink.inputJsonDelta(0, "{\"a\":1}");
        sink.contentBlockStop(0);
        sink.messageDelta("tool_use", null, dev.tolk.core.anthropic.response.Usage.ZERO);
        sink.messageStop();
        assertThat(t.recorded()).isTrue(); // at message_stop, before the shell writes it
        t.abandon();
        MessagesRequest full = turn(cont("msg_s", "[{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_1','content':'42'}]}]")).request();
        JsonNode call = full.raw().get("messages").get(1).get("content").get(0);
        assertThat(call.get("type").asText()).isEqualTo("tool_use");
        assertThat(call.get("input").get("a").asInt()).isEqualTo(1);
    }

    @Test
    void threadsExpireFiveMinutesAfterLastUse() throws Exception {
        turn(create("[{'role':'user','content':'one'}]")).recordMessage(reply("msg_1", "a"));
        now.addAndGet(Duration.ofMinutes(5).toNanos() - 1);
        ThreadTurn t = turn(cont("msg_1", "[{'role':'user','content':'two'}]"));
        t.recordMessage(reply("msg_2", "b"));
        now.addAndGet(Duration.ofMinutes(5).toNanos());
        assertThatThrownBy(() -> turn(cont("msg_2", "[{'role':'user','content':'three'}]")))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ThreadErrors.NOT_FOUND));
        assertThat(store.bytes()).isZero();
    }

    @Test
    void leastRecentlyUsedGoesFirstUnderTheMemoryBound() throws Exception {
        String big = "x".repeat(1000);
        store = new ThreadStore(3 * 1400, Duration.ofMinutes(5), now::get);
        for (int i = 1; i <= 3; i++) {
            turn(create("[{'role':'user','content':'" + big + "'}]")).recordMessage(reply("msg_" + i, "a"));
        }
        // msg_1 used again: msg_2 is now the least recently used
        turn(cont("msg_1", "[{'role':'user','content':'again'}]")).abandon();
        turn(create("[{'role':'user','content':'" + big + "'}]")).recordMessage(reply("msg_4", "a"));
        assertThat(store.bytes()).isLessThanOrEqualTo(3 * 1400);
        assertThat(store.evictions()).isPositive();
        assertThatThrownBy(() -> turn(cont("msg_2", "[{'role':'user','content':'x'}]")))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ThreadErrors.NOT_FOUND));
        assertThat(turn(cont("msg_1", "[{'role':'user','content':'x'}]"))).isNotNull();
        assertThat(turn(cont("msg_4", "[{'role':'user','content':'x'}]"))).isNotNull();
    }

    @Test
    void aConversationLargerThanTheBoundIsNotStored() throws Exception {
        store = new ThreadStore(500, Duration.ofMinutes(5), now::get);
        turn(create("[{'role':'user','content':'" + "y".repeat(1000) + "'}]")).recordMessage(reply("msg_1", "a"));
        assertThat(store.threads()).isZero();
        assertThat(store.bytes()).isZero();
    }

    @Test
    void aChangedModelSystemOrToolsIsAFingerprintMismatch() throws Exception {
        turn(create("[{'role':'user','content':'one'}]")).recordMessage(reply("msg_1", "a"));
        String changed = "{'model':'other','max_tokens':10,'system':'be long','thread':{'type':'continue',"
                + "'previous_message_id':'msg_1'},'messages':[{'role':'user','content':'two'}]}";
        assertThatThrownBy(() -> turn(changed))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ThreadErrors.FINGERPRINT_MISMATCH))
                .satisfies(e -> assertThat(new String(((AnthropicException) e).error().toJson("req_1"),
                        StandardCharsets.UTF_8)).contains("\"details\":{\"error_code\":\"thread_fingerprint_mismatch\","
                        + "\"fields\":[\"model\",\"system\"]}"));
        // repeating the stored system unchanged is fine, and the mismatch left msg_1 continuable
        String same = "{'model':'m','max_tokens':10,'system':'be brief','thread':{'type':'continue',"
                + "'previous_message_id':'msg_1'},'messages':[{'role':'user','content':'two'}]}";
        assertThat(turn(same)).isNotNull();
    }

    @Test
    void aPrefillIsAnUnsupportedCombination() {
        assertThatThrownBy(() -> turn(create("[{'role':'user','content':'one'},{'role':'assistant','content':'The answer is'}]")))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ThreadErrors.UNSUPPORTED_REQUEST))
                .satisfies(e -> assertThat(new String(((AnthropicException) e).error().toJson(null),
                        StandardCharsets.UTF_8)).contains("\"unsupported\":[\"assistant_prefill\"]"));
    }

    @Test
    void aMalformedThreadFieldIsAnInvalidRequest() {
        assertThatThrownBy(() -> turn("{'model':'m','max_tokens':1,'thread':{'type':'continue'},'messages':[{'role':'user','content':'a'}]}"))
                .hasMessage("thread.previous_message_id: Field required");
        assertThatThrownBy(() -> turn("{'model':'m','max_tokens':1,'thread':{'type':'fork'},'messages':[{'role':'user','content':'a'}]}"))
                .hasMessageContaining("thread.type");
    }

    @Test
    void everyContinueNamesTheThreadAndTheUpstreamThatAnsweredTheTurnBefore() throws Exception {
        ThreadTurn create = turn(create("[{'role':'user','content':'one'}]"));
        assertThat(create.threadKey()).isNull(); // a create is routed like any request
        assertThat(create.pinnedUpstream()).isNull();
        create.answeredBy("gpu-a");
        create.recordMessage(reply("msg_1", "a"));
        assertThat(store.upstreamOf("msg_1")).contains("gpu-a");

        ThreadTurn second = turn(cont("msg_1", "[{'role':'user','content':'two'}]"));
        assertThat(second.threadKey()).isEqualTo("msg_1");
        assertThat(second.pinnedUpstream()).isEqualTo("gpu-a");
        second.answeredBy("gpu-b"); // failed over: the conversation is now cached on gpu-b
        var sink = second.recorder();
        sink.messageStart("msg_2", "m", dev.tolk.core.anthropic.response.Usage.ZERO);
        sink.messageStop();
        assertThat(store.upstreamOf("msg_1")).isEmpty(); // used up
        assertThat(store.upstreamOf("msg_2")).contains("gpu-b");

        ThreadTurn third = turn(cont("msg_2", "[{'role':'user','content':'three'}]"));
        assertThat(third.threadKey()).isEqualTo("msg_1"); // the same key for every turn of the thread
        assertThat(third.pinnedUpstream()).isEqualTo("gpu-b");
        third.recordMessage(reply("msg_3", "c")); // a shell that did not say: no pin, the same thread
        ThreadTurn fourth = turn(cont("msg_3", "[{'role':'user','content':'four'}]"));
        assertThat(fourth.threadKey()).isEqualTo("msg_1");
        assertThat(fourth.pinnedUpstream()).isNull();
        assertThat(store.upstreamOf("msg_3")).isEmpty();
    }

    @Test
    void anAbandonedTurnKeepsThePinOfTheTurnBefore() throws Exception {
        ThreadTurn create = turn(create("[{'role':'user','content':'one'}]"));
        create.answeredBy("gpu-a");
        create.recordMessage(reply("msg_1", "a"));
        ThreadTurn failed = turn(cont("msg_1", "[{'role':'user','content':'two'}]"));
        failed.answeredBy("gpu-b");
        failed.abandon(); // e.g. the stream broke off on gpu-b: nothing stored
        assertThat(store.upstreamOf("msg_1")).contains("gpu-a");
        assertThat(turn(cont("msg_1", "[{'role':'user','content':'two'}]")).pinnedUpstream()).isEqualTo("gpu-a");
    }

    @Test
    void countTokensExpandsWithoutStoringOrLocking() throws Exception {
        turn(create("[{'role':'user','content':'one'}]")).recordMessage(reply("msg_1", "a"));
        MessagesRequest counted = store.expandForCount(MessagesRequestParser.parseCountTokens(
                "{\"model\":\"m\",\"thread\":{\"type\":\"continue\",\"previous_message_id\":\"msg_1\"},\"messages\":[{\"role\":\"user\",\"content\":\"two\"}]}"
                        .getBytes(StandardCharsets.UTF_8)));
        assertThat(counted.messages()).hasSize(3);
        assertThat(counted.system()).isNotEmpty();
        assertThat(turn(cont("msg_1", "[{'role':'user','content':'two'}]"))).isNotNull(); // not locked by the count
    }

    @Test
    void theEndOfATurnCountsOnce() throws Exception {
        turn(create("[{'role':'user','content':'one'}]")).recordMessage(reply("msg_1", "a"));
        ThreadTurn t = turn(cont("msg_1", "[{'role':'user','content':'two'}]"));
        t.recordMessage(reply("msg_2", "b"));
        t.abandon(); // a shell's catch-all after the answer: no effect
        assertThatThrownBy(() -> turn(cont("msg_1", "[{'role':'user','content':'x'}]")))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ThreadErrors.ALREADY_CONTINUED));
        assertThat(Json.MAPPER.readTree(t.request().raw().toString()).get("messages")).hasSize(3);
    }
}
