package dev.tolk.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.sse.SseOutput;
import dev.tolk.core.translate.RequestFacts;
import dev.tolk.core.translate.stream.UpstreamStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

/**
 * vLLM SSE bytes → {@link UpstreamStream} (SseDecoder → ChatChunkParser → StreamTranslator → SseWriter), driven
 * like the gateway drives it: {@code start}, {@code feed} per network read, pings in between, then {@code end} at
 * EOF or {@code fail} on a transport error. Properties: nothing throws; the output is a well-formed Anthropic
 * stream that ends with message_stop or error ({@link AnthropicSseChecker}); and however the bytes are split, the
 * events are the same as when they arrive in one read.
 *
 * <p>Input layout: the upstream bytes first, then (consumed from the end) the request facts and the read sizes;
 * an all-zero tail means thinking on, text tool-call recovery on, one read, {@code end()}.
 */
class StreamFuzzTest {
    private static final Set<String> TOOLS = Set.of("Bash", "Read", "get_weather");

    @DictionaryEntries({"data: ", "[DONE]", "\"choices\"", "\"delta\"", "\"content\"",
            "\"reasoning\"", "\"reasoning_content\"", "\"tool_calls\"", "\"index\"", "\"function\"", "\"name\"",
            "\"arguments\"", "\"finish_reason\"", "\"stop_reason\"", "\"usage\"", "\"prompt_tokens\"",
            "\"completion_tokens\"", "\"error\"", "\"message\"", "\"object\"", "\"tool_calls\"", "\"length\"",
            "\"stop\"", "\"abort\"", "<tool_call>", "</tool_call>", "<function=Bash>", "<parameter=command>",
            "</parameter>", "</function>", "[TOOL_CALLS]", "<|python_tag|>", "\"Bash\"", "\\ud83c", "\\u0000"})
    @FuzzTest
    void upstreamBytes(FuzzedDataProvider data) {
        RequestFacts facts = facts(data);
        boolean failInsteadOfEnd = data.consumeBoolean();
        int[] reads = new int[data.consumeInt(0, 12)];
        for (int i = 0; i < reads.length; i++) {
            reads[i] = data.consumeInt(0, 96);
        }
        boolean pings = data.consumeBoolean();
        byte[] upstream = data.consumeRemainingAsBytes();

        List<AnthropicSseChecker.Frame> inOneRead = withoutPings(run(facts, upstream, new int[0], false, failInsteadOfEnd));
        List<AnthropicSseChecker.Frame> inPieces = withoutPings(run(facts, upstream, reads, pings, failInsteadOfEnd));
        assertThat(inPieces).as("events when the bytes arrive in pieces").isEqualTo(inOneRead);
    }

    private static RequestFacts facts(FuzzedDataProvider data) {
        boolean thinking = !data.consumeBoolean();
        boolean recoverTextCalls = !data.consumeBoolean();
        boolean disableParallel = data.consumeBoolean();
        int maxTokens = data.consumeBoolean() ? 0 : 4096;
        List<String> stops = data.consumeBoolean() ? List.of("END", "\n\n") : List.of();
        return new RequestFacts("claude-sonnet-4-5", "qwen3", true, maxTokens, stops, disableParallel, thinking,
                TOOLS, recoverTextCalls);
    }

    /** Feeds {@code upstream} in reads of the given sizes (the rest in one last read) and checks the output. */
    private static List<AnthropicSseChecker.Frame> run(RequestFacts facts, byte[] upstream, int[] reads, boolean pings,
                                                       boolean failInsteadOfEnd) {
        UpstreamStream s = new UpstreamStream(facts, "msg_fuzz", "req_fuzz", 42);
        SseOutput out = new SseOutput(64);
        s.start(out);
        int at = 0;
        for (int i = 0; i < reads.length && at < upstream.length; i++) {
            int n = Math.min(reads[i], upstream.length - at);
            if (i % 2 == 0) {
                s.feed(upstream, at, n, out);
            } else {
                s.feed(ByteBuffer.wrap(upstream, at, n).slice(), out);
            }
            at += n;
            if (pings) {
                s.ping(out);
            }
        }
        s.feed(upstream, at, upstream.length - at, out);
        if (failInsteadOfEnd) {
            s.fail(AnthropicError.api("upstream read failed"), out);
        } else {
            s.end(out);
        }
        assertThat(s.isTerminated()).as("terminated after end/fail").isTrue();
        assertThat(s.outcome()).isNotNull();
        return AnthropicSseChecker.check(out.toByteArray(), true);
    }

    private static List<AnthropicSseChecker.Frame> withoutPings(List<AnthropicSseChecker.Frame> frames) {
        return frames.stream().filter(f -> !f.event().equals("ping")).toList();
    }
}
