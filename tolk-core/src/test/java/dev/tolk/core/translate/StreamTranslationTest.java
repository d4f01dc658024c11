package dev.tolk.core.translate;

import static dev.tolk.core.translate.StreamHarness.DONE;
import static dev.tolk.core.translate.StreamHarness.ROLE;
import static dev.tolk.core.translate.StreamHarness.accumulate;
import static dev.tolk.core.translate.StreamHarness.chunk;
import static dev.tolk.core.translate.StreamHarness.facts;
import static dev.tolk.core.translate.StreamHarness.finish;
import static dev.tolk.core.translate.StreamHarness.labels;
import static dev.tolk.core.translate.StreamHarness.translate;
import static dev.tolk.core.translate.StreamHarness.usage;
import static dev.tolk.core.translate.StreamHarness.vllm;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.StopReason;
import dev.tolk.core.support.SseFrames;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A table of upstream vLLM streams (protocol.md §B.4) whose translated events are read back by the official
 * Anthropic Java SDK's {@code MessageAccumulator}, which must rebuild exactly the expected message.
 */
class StreamTranslationTest {

    @Test
    void plainTextStreamBecomesOneTextBlockWithUsage() throws Exception {
        String sse = translate(facts(), vllm(ROLE, chunk("{\"content\":\"Hel\"}"), chunk("{\"content\":\"lo\"}"),
                finish("stop", "null"), usage(100, 2, null), DONE));
        assertThat(labels(sse)).containsExactly("message_start", "text_start", "text_delta", "text_delta",
                "block_stop", "message_delta", "message_stop");
        Message m = accumulate(sse);
        assertThat(m.content()).hasSize(1);
        assertThat(m.content().get(0).asText().text()).isEqualTo("Hello");
        assertThat(m.stopReason()).contains(StopReason.END_TURN);
        assertThat(m.stopSequence()).isEmpty();
        assertThat(m.usage().inputTokens()).isEqualTo(100);
        assertThat(m.usage().outputTokens()).isEqualTo(2);
        assertThat(m.model().asString()).isEqualTo("claude-opus-5-5");
        assertThat(m.id()).isEqualTo("msg_test1");
    }

    @Test
    void reasoningThenToolCallsFollowTheWorkedExampleOfProtocolC4() throws Exception {
        String sse = translate(facts(), vllm(ROLE,
                chunk("{\"reasoning\":\"Need weather.\"}"),
                chunk("{\"content\":\"\\n\\n\"}"),
                chunk("{\"tool_calls\":[{\"id\":\"chatcmpl-tool-ab\",\"type\":\"function\",\"index\":0,\"function\":{\"name\":\"get_weather\"}}]}"),
                chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\": \\\"Paris\\\"}\"}}]}"),
                chunk("{\"tool_calls\":[{\"id\":\"chatcmpl-tool-cd\",\"type\":\"function\",\"index\":1,\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]}"),
                finish("tool_calls", "null"),
                usage(2460, 87, 2048), DONE));
        assertThat(labels(sse)).containsExactly("message_start", "thinking_start", "thinking_delta",
                "signature_delta", "block_stop", "tool_use_start", "input_json_delta", "block_stop", "tool_use_start",
                "block_stop", "message_delta", "message_stop");
        Message m = accumulate(sse);
        assertThat(m.content()).hasSize(3);
        assertThat(m.content().get(0).asThinking().thinking()).isEqualTo("Need weather.");
        assertThat(m.content().get(0).asThinking().signature()).startsWith("tolk.v1.");
        assertThat(m.content().get(1).asToolUse().id()).isEqualTo("chatcmpl-tool-ab");
        assertThat(m.content().get(1).asToolUse().name()).isEqualTo("get_weather");
        assertThat(StreamHarness.json(m.content().get(1).asToolUse()._input())).contains("Paris");
        assertThat(m.content().get(2).asToolUse().name()).isEqualTo("get_time");
        assertThat(m.stopReason()).contains(StopReason.TOOL_USE);
        assertThat(m.usage().inputTokens()).isEqualTo(412);
        assertThat(m.usage().cacheReadInputTokens()).contains(2048L);
        assertThat(m.usage().outputTokens()).isEqualTo(87);
    }

    @Test
    void reasoningContentFieldOfOldVllmIsReadToo() throws Exception {
        Message m = accumulate(translate(facts(), vllm(ROLE, chunk("{\"reasoning_content\":\"hmm\"}"),
                chunk("{\"content\":\"ok\"}"), finish("stop", "null"), DONE)));
        assertThat(m.content().get(0).asThinking().thinking()).isEqualTo("hmm");
        assertThat(m.content().get(1).asText().text()).isEqualTo("ok");
    }

    @Test
    void reasoningIsNotSurfacedWhenTheClientDidNotAskForThinking() throws Exception {
        Message m = accumulate(translate(facts(false, List.of(), false), vllm(ROLE, chunk("{\"reasoning\":\"hmm\"}"),
                chunk("{\"content\":\"ok\"}"), finish("stop", "null"), DONE)));
        assertThat(m.content()).hasSize(1);
        assertThat(m.content().get(0).isText()).isTrue();
    }

    @Test
    void nameAndFullArgumentsInOneChunk() throws Exception {
        Message m = accumulate(translate(facts(), vllm(ROLE,
                chunk("{\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"index\":0,\"function\":{\"name\":\"Bash\",\"arguments\":\"{\\\"command\\\":\\\"ls\\\"}\"}}]}"),
                finish("tool_calls", "null"), DONE)));
        ContentBlock b = m.content().get(0);
        assertThat(b.asToolUse().name()).isEqualTo("Bash");
        assertThat(StreamHarness.json(b.asToolUse()._input())).isEqualTo("{\"command\":\"ls\"}");
    }

    @Test
    void argumentsRemainderInTheFinishChunk() throws Exception {
        String finishWithArgs = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"ls\\\"}\"}}]},\"logprobs\":null,"
                + "\"finish_reason\":\"tool_calls\",\"stop_reason\":null}]}";
        Message m = accumulate(translate(facts(), vllm(ROLE,
                chunk("{\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"index\":0,\"function\":{\"name\":\"Bash\"}}]}"),
                chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"command\\\": \\\"\"}}]}"),
                finishWithArgs, DONE)));
        assertThat(StreamHarness.json(m.content().get(0).asToolUse()._input())).isEqualTo("{\"command\":\"ls\"}");
        assertThat(m.stopReason()).contains(StopReason.TOOL_USE);
    }

    @Test
    void anIdRepeatedOnEveryDeltaDoesNotOpenNewBlocks() throws Exception {
        Message m = accumulate(translate(facts(), vllm(ROLE,
                chunk("{\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"index\":0,\"function\":{\"name\":\"Bash\"}}]}"),
                chunk("{\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"index\":0,\"function\":{\"arguments\":\"{\\\"command\\\"\"}}]}"),
                chunk("{\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"index\":0,\"function\":{\"arguments\":\":\\\"pwd\\\"}\"}}]}"),
                finish("tool_calls", "null"), DONE)));
        assertThat(m.content()).hasSize(1);
        assertThat(StreamHarness.json(m.content().get(0).asToolUse()._input())).isEqualTo("{\"command\":\"pwd\"}");
    }

    @Test
    void aMissingToolCallIdIsSynthesizedStablyInAnthropicsIdPattern() throws Exception {
        Message m = accumulate(translate(facts(), vllm(ROLE,
                chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"name\":\"Bash\",\"arguments\":\"{}\"}}]}"),
                finish("tool_calls", "null"), DONE)));
        assertThat(m.content().get(0).asToolUse().id()).matches("^[a-zA-Z0-9_-]+$").startsWith("toolu_");
    }

    @Test
    void duplicatedArgumentsFromTheFinishChunkAreRepairedToTheFirstObject() throws Exception {
        String dup = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"command\\\":\\\"ls\\\"}\"}}]},"
                + "\"logprobs\":null,\"finish_reason\":\"tool_calls\",\"stop_reason\":null}]}";
        Message m = accumulate(translate(facts(), vllm(ROLE,
                chunk("{\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"index\":0,\"function\":{\"name\":\"Bash\"}}]}"),
                chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"command\\\":\\\"ls\\\"}\"}}]}"),
                dup, DONE)));
        assertThat(StreamHarness.json(m.content().get(0).asToolUse()._input())).isEqualTo("{\"command\":\"ls\"}");
    }

    @Test
    void brokenArgumentsNeverReachTheClientAsInvalidJson() throws Exception {
        String sse = translate(facts(), vllm(ROLE,
                chunk("{\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"index\":0,\"function\":{\"name\":\"Bash\",\"arguments\":\"not json at all\"}}]}"),
                finish("tool_calls", "null"), DONE));
        Message m = accumulate(sse);
        assertThat(StreamHarness.json(m.content().get(0).asToolUse()._input())).isEqualTo("{}");
    }

    @Test
    void truncatedArgumentsWithOneClearRepairAreClosed() throws Exception {
        Message m = accumulate(translate(facts(), vllm(ROLE,
                chunk("{\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"index\":0,\"function\":{\"name\":\"Bash\",\"arguments\":\"{\\\"command\\\": \\\"ls -la\"}}]}"),
                finish("tool_calls", "null"), DONE)));
        assertThat(StreamHarness.json(m.content().get(0).asToolUse()._input())).isEqualTo("{\"command\":\"ls -la\"}");
    }

    @Test
    void textThenToolCallThenTextGivesThreeBlocksInOrder() throws Exception {
        Message m = accumulate(translate(facts(), vllm(ROLE, chunk("{\"content\":\"Let me check.\"}"),
                chunk("{\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"index\":0,\"function\":{\"name\":\"Bash\",\"arguments\":\"{}\"}}]}"),
                chunk("{\"content\":\" Done.\"}"), finish("tool_calls", "null"), DONE)));
        assertThat(m.content()).extracting(b -> b.isText() ? "text" : "tool_use").containsExactly("text", "tool_use", "text");
        assertThat(m.content().get(2).asText().text()).isEqualTo("Done.");
    }

    @Test
    void namedToolChoiceFinishingWithStopStillReportsToolUse() throws Exception {
        Message m = accumulate(translate(facts(), vllm(ROLE,
                chunk("{\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"index\":0,\"function\":{\"name\":\"Bash\",\"arguments\":\"{}\"}}]}"),
                finish("stop", "null"), DONE)));
        assertThat(m.stopReason()).contains(StopReason.TOOL_USE);
    }

    @Test
    void lengthBecomesMaxTokens() throws Exception {
        Message m = accumulate(translate(facts(), vllm(ROLE, chunk("{\"content\":\"abc\"}"), finish("length", "null"), DONE)));
        assertThat(m.stopReason()).contains(StopReason.MAX_TOKENS);
    }

    @Test
    void anIntegerStopReasonIsAnEndOfTurnNotAStopSequence() throws Exception {
        Message m = accumulate(translate(facts(true, List.of("151645"), false),
                vllm(ROLE, chunk("{\"content\":\"abc\"}"), finish("stop", "151645"), DONE)));
        assertThat(m.stopReason()).contains(StopReason.END_TURN);
        assertThat(m.stopSequence()).isEmpty();
    }

    @Test
    void aRequestedStopStringBecomesStopSequenceWithTheString() throws Exception {
        Message m = accumulate(translate(facts(true, List.of("END"), false),
                vllm(ROLE, chunk("{\"content\":\"abc\"}"), finish("stop", "\"END\""), DONE)));
        assertThat(m.stopReason()).contains(StopReason.STOP_SEQUENCE);
        assertThat(m.stopSequence()).contains("END");
    }

    @Test
    void aStopStringTheClientDidNotRequestIsAnEndOfTurn() throws Exception {
        Message m = accumulate(translate(facts(), vllm(ROLE, chunk("{\"content\":\"abc\"}"), finish("stop", "\"</s>\""), DONE)));
        assertThat(m.stopReason()).contains(StopReason.END_TURN);
    }

    @Test
    void whitespaceOnlyTextNeverOpensABlock() throws Exception {
        String sse = translate(facts(), vllm(ROLE, chunk("{\"content\":\"\\n\\n\"}"),
                chunk("{\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"index\":0,\"function\":{\"name\":\"Bash\",\"arguments\":\"{}\"}}]}"),
                chunk("{\"content\":\"  \"}"), finish("tool_calls", "null"), DONE));
        assertThat(labels(sse)).doesNotContain("text_start");
    }

    @Test
    void disableParallelToolUseKeepsOnlyTheFirstCall() throws Exception {
        Message m = accumulate(translate(facts(true, List.of(), true), vllm(ROLE,
                chunk("{\"tool_calls\":[{\"id\":\"a\",\"type\":\"function\",\"index\":0,\"function\":{\"name\":\"Bash\",\"arguments\":\"{}\"}}]}"),
                chunk("{\"tool_calls\":[{\"id\":\"b\",\"type\":\"function\",\"index\":1,\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]}"),
                finish("tool_calls", "null"), DONE)));
        assertThat(m.content()).hasSize(1);
    }

    @Test
    void cachedTokensAreExcludedFromInputTokens() throws Exception {
        Message m = accumulate(translate(facts(), vllm(ROLE, chunk("{\"content\":\"x\"}"), finish("stop", "null"),
                usage(812, 58, 768), DONE)));
        assertThat(m.usage().inputTokens()).isEqualTo(44);
        assertThat(m.usage().cacheReadInputTokens()).contains(768L);
        assertThat(m.usage().cacheCreationInputTokens()).contains(0L);
    }

    @Test
    void anUpstreamErrorChunkBecomesAnErrorEventWithoutMessageStop() {
        String sse = translate(facts(), vllm(ROLE, chunk("{\"content\":\"par\"}"),
                "{\"error\":{\"message\":\"engine died\",\"type\":\"InternalServerError\",\"param\":null,\"code\":500}}", DONE));
        List<String> l = labels(sse);
        assertThat(l).endsWith("error").doesNotContain("message_stop");
        assertThat(SseFrames.parse(sse).get(l.size() - 1).data()).contains("\"type\":\"api_error\"").contains("engine died");
    }

    @Test
    void upstreamEofWithoutFinishIsAnErrorEvent() {
        String sse = translate(facts(), vllm(ROLE, chunk("{\"content\":\"par\"}")));
        assertThat(labels(sse)).endsWith("error").doesNotContain("message_stop");
    }

    @Test
    void eofAfterTheFinishChunkButBeforeDoneStillCompletes() {
        String sse = translate(facts(), vllm(ROLE, chunk("{\"content\":\"x\"}"), finish("stop", "null")));
        assertThat(labels(sse)).endsWith("message_delta", "message_stop");
    }

    @Test
    void aGarbageChunkEndsTheStreamWithAnErrorEvent() {
        String sse = translate(facts(), vllm(ROLE, "{\"choices\":[{\"delta\":{\"content\":\"\u0000oops", DONE));
        assertThat(labels(sse)).endsWith("error").doesNotContain("message_stop");
    }

    @Test
    void blockIndexesIncreaseByOneAndAtMostOneBlockIsOpen() {
        String sse = translate(facts(), vllm(ROLE, chunk("{\"reasoning\":\"a\"}"), chunk("{\"content\":\"b\"}"),
                chunk("{\"reasoning\":\"c\"}"), chunk("{\"content\":\"d\"}"),
                chunk("{\"tool_calls\":[{\"id\":\"a\",\"type\":\"function\",\"index\":0,\"function\":{\"name\":\"Bash\",\"arguments\":\"{}\"}}]}"),
                finish("tool_calls", "null"), DONE));
        int open = -1;
        int next = 0;
        for (SseFrames.Frame f : SseFrames.parse(sse)) {
            if (f.event().equals("content_block_start")) {
                assertThat(open).isEqualTo(-1);
                assertThat(f.data()).contains("\"index\":" + next);
                open = next++;
            } else if (f.event().equals("content_block_stop")) {
                assertThat(f.data()).contains("\"index\":" + open);
                open = -1;
            } else if (f.event().equals("content_block_delta")) {
                assertThat(f.data()).contains("\"index\":" + open);
            }
        }
        assertThat(next).isEqualTo(5);
    }

    @Test
    void pingsAreValidEventsTheSdkIgnores() throws Exception {
        var s = new dev.tolk.core.translate.stream.UpstreamStream(facts(), "msg_p", "req_p", 5);
        var out = new dev.tolk.core.sse.SseOutput();
        s.start(out);
        s.ping(out);
        byte[] up = vllm(ROLE, chunk("{\"content\":\"x\"}"), finish("stop", "null"), DONE)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        s.feed(up, 0, up.length, out);
        s.end(out);
        assertThat(out.toString()).contains("event: ping\ndata: {\"type\":\"ping\"}\n\n");
        assertThat(accumulate(out.toString()).content().get(0).asText().text()).isEqualTo("x");
    }

    @Test
    void hermesMarkupInTheTextBecomesAToolUseBlockWithToolUseStop() throws Exception {
        var facts = new RequestFacts("claude-opus-5-5", "qwen3-sim", true, 1024, List.of(), false, true,
                java.util.Set.of("Bash"), true);
        String sse = translate(facts, vllm(ROLE, chunk("{\"content\":\"I will run it.\\n<tool_\"}"),
                chunk("{\"content\":\"call>\\n{\\\"name\\\": \\\"Bash\\\", \\\"arguments\\\": {\\\"command\\\": \\\"ls\\\"}}\\n</tool_call>\"}"),
                finish("stop", "null"), DONE));
        Message m = accumulate(sse);
        assertThat(m.content()).hasSize(2);
        assertThat(m.content().get(0).asText().text()).isEqualTo("I will run it.\n");
        assertThat(m.content().get(1).asToolUse().name()).isEqualTo("Bash");
        assertThat(StreamHarness.json(m.content().get(1).asToolUse()._input())).isEqualTo("{\"command\":\"ls\"}");
        assertThat(m.stopReason()).contains(StopReason.TOOL_USE);
    }
}
