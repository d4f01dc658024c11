package dev.tolk.core.translate;

import com.anthropic.core.ObjectMappers;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.RawMessageStreamEvent;
import dev.tolk.core.sse.SseOutput;
import dev.tolk.core.support.SseFrames;
import dev.tolk.core.translate.stream.UpstreamStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Drives {@link UpstreamStream} with vLLM chunks and reads the result with the official Anthropic Java SDK. */
final class StreamHarness {
    private StreamHarness() {}

    static RequestFacts facts() {
        return facts(true, List.of(), false);
    }

    static RequestFacts facts(boolean thinking, List<String> stops, boolean disableParallel) {
        return new RequestFacts("claude-opus-5-5", "qwen3-sim", true, 1024, stops, disableParallel, thinking,
                Set.of("Bash", "get_weather", "get_time"), false);
    }

    /** vLLM SSE text: each JSON chunk as {@code data: …\n\n}, then {@code data: [DONE]}. */
    static String vllm(String... chunks) {
        StringBuilder sb = new StringBuilder();
        for (String c : chunks) {
            sb.append("data: ").append(c).append("\n\n");
        }
        return sb.toString();
    }

    static String chunk(String delta) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":null}]}";
    }

    static String finish(String reason, String stopReason) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"" + reason
                + "\",\"stop_reason\":" + stopReason + "}]}";
    }

    static String usage(int prompt, int completion, Integer cached) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":" + prompt + ",\"total_tokens\":" + (prompt + completion)
                + ",\"completion_tokens\":" + completion
                + (cached == null ? "" : ",\"prompt_tokens_details\":{\"cached_tokens\":" + cached + "}") + "}}";
    }

    static final String ROLE = chunk("{\"role\":\"assistant\",\"content\":\"\"}");
    static final String DONE = "[DONE]";

    /** Runs the bytes through the translator, cut at the given offsets. */
    static String translate(RequestFacts facts, byte[] upstream, int[] cuts) {
        UpstreamStream s = new UpstreamStream(facts, "msg_test1", "req_test1", 10);
        SseOutput out = new SseOutput();
        s.start(out);
        int from = 0;
        for (int cut : cuts) {
            s.feed(upstream, from, cut - from, out);
            from = cut;
        }
        s.feed(upstream, from, upstream.length - from, out);
        s.end(out);
        return out.toString();
    }

    static String translate(RequestFacts facts, String upstream) {
        return translate(facts, upstream.getBytes(StandardCharsets.UTF_8), new int[0]);
    }

    /** Event labels such as {@code thinking_start}, {@code text_delta}, {@code block_stop}. */
    static List<String> labels(String sse) {
        List<String> out = new ArrayList<>();
        for (SseFrames.Frame f : SseFrames.parse(sse)) {
            String d = f.data();
            switch (f.event()) {
                case "content_block_start" -> out.add(d.contains("\"type\":\"thinking\"") ? "thinking_start"
                        : d.contains("\"type\":\"tool_use\"") ? "tool_use_start" : "text_start");
                case "content_block_delta" -> out.add(d.contains("text_delta") ? "text_delta"
                        : d.contains("thinking_delta") ? "thinking_delta" : d.contains("signature_delta")
                        ? "signature_delta" : "input_json_delta");
                case "content_block_stop" -> out.add("block_stop");
                default -> out.add(f.event());
            }
        }
        return out;
    }

    /** Compact JSON of an SDK value. */
    static String json(Object sdkValue) throws Exception {
        return ObjectMappers.jsonMapper().writeValueAsString(sdkValue);
    }

    /** The message the official SDK's accumulator rebuilds from these events. */
    static Message accumulate(String sse) throws Exception {
        MessageAccumulator acc = MessageAccumulator.create();
        for (SseFrames.Frame f : SseFrames.parse(sse)) {
            if ("ping".equals(f.event()) || "error".equals(f.event())) {
                continue;
            }
            RawMessageStreamEvent e = ObjectMappers.jsonMapper().readValue(f.data(), RawMessageStreamEvent.class);
            acc.accumulate(e);
        }
        return acc.message();
    }
}
