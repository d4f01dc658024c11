package dev.tolk.core.threads;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.anthropic.request.MessagesRequestParser;
import dev.tolk.core.sse.SseOutput;
import dev.tolk.core.translate.RequestFacts;
import dev.tolk.core.translate.stream.UpstreamStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A stream's reply recorded through {@link UpstreamStream}'s tap: same bytes to the client, the reply stored. */
class ThreadedStreamTest {
    private static final RequestFacts FACTS = new RequestFacts("claude-x", "qwen", true, 100, List.of(), false, false,
            Set.of("get_weather"), false);

    private static String chunk(String delta, String finish) {
        return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":"
                + "[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}\n\n";
    }

    private static final byte[] UPSTREAM = (chunk("{\"role\":\"assistant\",\"content\":\"\"}", "null")
            + chunk("{\"content\":\"Let me check.\"}", "null")
            + chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":"
                    + "{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}]}", "null")
            + chunk("{}", "\"tool_calls\"") + "data: [DONE]\n\n").getBytes(StandardCharsets.UTF_8);

    private static String run(UpstreamStream s, byte[] upstream, boolean end) {
        SseOutput out = new SseOutput();
        s.start(out);
        s.feed(upstream, 0, upstream.length, out);
        if (end) {
            s.end(out);
        }
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }

    private static ThreadTurn create(ThreadStore store) throws Exception {
        return store.begin(MessagesRequestParser.parseMessages(("{\"model\":\"claude-x\",\"max_tokens\":100,"
                + "\"stream\":true,\"thread\":{\"type\":\"create\"},\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"weather in Oslo?\"}]}").getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theTapSeesTheStreamAndTheClientGetsTheSameBytes() throws Exception {
        ThreadStore store = new ThreadStore(1 << 20, Duration.ofMinutes(5), () -> 0);
        ThreadTurn turn = create(store);
        String plain = run(new UpstreamStream(FACTS, "msg_a", "req_1", 5), UPSTREAM, true);
        String tapped = run(new UpstreamStream(FACTS, "msg_a", "req_1", 5, turn.recorder()), UPSTREAM, true);
        assertThat(tapped).isEqualTo(plain);
        assertThat(turn.recorded()).isTrue();
        turn.abandon();
        JsonNode messages = store.begin(MessagesRequestParser.parseMessages(("{\"model\":\"claude-x\",\"max_tokens\":"
                + "100,\"thread\":{\"type\":\"continue\",\"previous_message_id\":\"msg_a\"},\"messages\":[{\"role\":"
                + "\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"call_1\",\"content\":\"sunny\"}]}]}")
                .getBytes(StandardCharsets.UTF_8))).request().raw().get("messages");
        assertThat(messages).hasSize(3);
        JsonNode reply = messages.get(1);
        assertThat(reply.get("role").asText()).isEqualTo("assistant");
        assertThat(reply.get("content").get(0).get("text").asText()).isEqualTo("Let me check.");
        assertThat(reply.get("content").get(1).get("name").asText()).isEqualTo("get_weather");
        assertThat(reply.get("content").get(1).get("input").get("city").asText()).isEqualTo("Oslo");
    }

    @Test
    void aStreamEndingInAnErrorEventIsNotStored() throws Exception {
        ThreadStore store = new ThreadStore(1 << 20, Duration.ofMinutes(5), () -> 0);
        ThreadTurn turn = create(store);
        byte[] cut = java.util.Arrays.copyOf(UPSTREAM, 200); // upstream EOF without a finish: an error event
        String out = run(new UpstreamStream(FACTS, "msg_b", "req_1", 5, turn.recorder()), cut, true);
        assertThat(out).contains("event: error");
        turn.abandon();
        assertThat(store.threads()).isZero();
    }

    @Test
    void aStreamTheClientLeftIsNotStored() throws Exception {
        ThreadStore store = new ThreadStore(1 << 20, Duration.ofMinutes(5), () -> 0);
        ThreadTurn turn = create(store);
        byte[] half = java.util.Arrays.copyOf(UPSTREAM, 300); // the relay stops feeding when the client leaves
        run(new UpstreamStream(FACTS, "msg_c", "req_1", 5, turn.recorder()), half, false);
        turn.abandon();
        assertThat(turn.recorded()).isFalse();
        assertThat(store.threads()).isZero();
    }
}
