package dev.tolk.core.translate.stream;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.response.AnthropicEventSink;
import dev.tolk.core.anthropic.response.Usage;
import dev.tolk.core.openai.response.ChatChunk;
import dev.tolk.core.translate.RequestFacts;
import dev.tolk.core.translate.error.ErrorMapping;
import dev.tolk.core.translate.response.FinishReasonMapping;
import dev.tolk.core.translate.response.UsageMapping;
import dev.tolk.core.translate.textcalls.Piece;
import dev.tolk.core.translate.textcalls.TextToolCallParser;
import java.util.ArrayList;
import java.util.List;

/**
 * The streaming state machine: vLLM chunks in, Anthropic events out (protocol.md §C.4). Pure and
 * single-threaded; it never writes, sleeps or schedules — the caller feeds it and the {@link AnthropicEventSink}
 * receives events. The non-streaming path feeds it a whole completion as one chunk, so both share every rule.
 *
 * <p>Phases and what each input does:
 * <pre>
 * phase        | reasoning          | content            | tool_calls fragment      | finish/[DONE]        | EOF w/o finish
 * -------------+--------------------+--------------------+--------------------------+----------------------+---------------
 * IDLE         | open thinking      | open text*         | open tool_use (has name) | message_delta, stop  | error event
 * IN_THINKING  | thinking_delta     | sig, close; text*  | sig, close; open tool    | sig, close; delta…   | error event
 * IN_TEXT      | close; thinking    | text_delta         | close; open tool_use     | close; delta…        | error event
 * IN_TOOL_USE  | close**; thinking  | close**; text*     | same index: buffer args; | close**; delta…      | error event
 *              |                    |                    | new index: close**, open |                      |
 * FINISHED / FAILED: every input is ignored.
 * *  whitespace-only text outside a text block is dropped, and so is the leading whitespace of a text block's first
 *    text: a block opens only for real text (never an empty/whitespace block)
 * ** closing a tool_use block validates/repairs its buffered arguments and sends them as one input_json_delta
 * </pre>
 * Only {@link #openBlock} and {@link #closeOpenBlock} emit {@code content_block_start}/{@code content_block_stop},
 * so "indexes 0,1,2… in start order" and "at most one block open" hold by construction.
 *
 * <p>Worked example (protocol.md §C.4): role chunk → nothing; {@code reasoning:"Need weather."} → start#0 thinking,
 * thinking_delta; {@code content:"\n\n"} → dropped; tool call index 0 with id and name → signature_delta#0, stop#0,
 * start#1 tool_use; its arguments → buffered; tool call index 1 with name and arguments → input_json_delta#1,
 * stop#1, start#2 tool_use; finish {@code tool_calls}; usage chunk; {@code [DONE]} → input_json_delta#2, stop#2,
 * message_delta{tool_use, usage}, message_stop.
 */
public final class StreamTranslator {

    /** Where the translator is; {@link #FINISHED} and {@link #FAILED} are terminal. */
    private enum Phase { NOT_STARTED, IDLE, IN_THINKING, IN_TEXT, IN_TOOL_USE, FINISHED, FAILED }

    private final RequestFacts facts;
    private final AnthropicEventSink sink;
    private final String messageId;
    private final TextToolCallParser textCalls;

    private Phase phase = Phase.NOT_STARTED;
    private int nextIndex;
    private int openIndex = -1;
    private long thinkingHash = 0xcbf29ce484222325L;
    private final List<ToolCallSlot> slots = new ArrayList<>(2);
    private ToolCallSlot openSlot;
    private int firstToolIndex = -1;
    private boolean producedToolUse;
    private boolean finishSeen;
    private String finishReason;
    private Object stopReason;
    private ChatChunk.ChatUsage usage;
    private long inputTokensEstimate;
    private AnthropicError error;
    private String finalStopReason;

    public StreamTranslator(RequestFacts facts, String messageId, AnthropicEventSink sink) {
        this.facts = facts;
        this.messageId = messageId;
        this.sink = sink;
        this.textCalls = facts.recoverTextToolCalls() ? new TextToolCallParser(facts.toolNames()) : null;
    }

    public boolean isTerminated() {
        return phase == Phase.FINISHED || phase == Phase.FAILED;
    }

    /** Emits {@code message_start}; {@code inputTokensEstimate} is the best count known before the upstream's usage. */
    public void start(long inputTokensEstimate) {
        if (phase != Phase.NOT_STARTED) {
            return;
        }
        this.inputTokensEstimate = inputTokensEstimate;
        sink.messageStart(messageId, facts.clientModel(), new Usage(inputTokensEstimate, 0, 0, 0));
        phase = Phase.IDLE;
    }

    /** One parsed upstream chunk. Handlers run in protocol order: reasoning → content → tool_calls → finish. */
    public void onChunk(ChatChunk c) {
        if (isTerminated()) {
            return;
        }
        start(inputTokensEstimate);
        if (c.error() != null) {
            fail(ErrorMapping.fromStreamError(c.error()));
            return;
        }
        if (c.usage() != null) {
            usage = c.usage();
        }
        if (!c.hasChoice()) {
            return; // the usage chunk has choices: [] (protocol.md §B.4)
        }
        onReasoning(c.reasoning());
        onContent(c.content());
        onToolCalls(c.toolCalls());
        onFinishReason(c.finishReason(), c.stopReason());
    }

    /**
     * A chunk that holds only text, {@code plain[off, off+len)} (plain bytes, see
     * {@link AnthropicEventSink#plainTextDelta}): content, or reasoning when {@code reasoning}. The same as
     * {@link #onChunk} of that chunk; inside an open block of its kind the bytes go to the sink as they are.
     */
    public void onPlainText(boolean reasoning, byte[] plain, int off, int len) {
        if (len > 0 && !reasoning && phase == Phase.IN_TEXT && textCalls == null) {
            sink.plainTextDelta(openIndex, plain, off, len);
            return;
        }
        if (len > 0 && reasoning && phase == Phase.IN_THINKING && facts.thinkingRequested()) {
            for (int i = off, end = off + len; i < end; i++) {
                thinkingHash = (thinkingHash ^ plain[i]) * 0x100000001b3L; // ASCII: a byte is its char
            }
            sink.plainThinkingDelta(openIndex, plain, off, len);
            return;
        }
        String text = new String(plain, off, len, java.nio.charset.StandardCharsets.ISO_8859_1);
        onChunk(ChatChunk.text(text, reasoning));
    }

    /** {@code data: [DONE]}. */
    public void onDone() {
        if (isTerminated()) {
            return;
        }
        complete();
    }

    /** The upstream connection ended. Without a finish reason this is a failure (vLLM crashed, reset). */
    public void onUpstreamEnd() {
        if (isTerminated()) {
            return;
        }
        if (finishSeen) {
            complete();
        } else {
            fail(AnthropicError.api("upstream closed the stream before the response was complete"));
        }
    }

    /** A chunk that could not be parsed: the stream cannot be trusted any further. */
    public void onMalformedChunk(String detail) {
        fail(AnthropicError.api("upstream sent a malformed stream chunk: " + detail));
    }

    /** Ends the stream with an error event (e.g. the gateway is shutting down). */
    public void fail(AnthropicError e) {
        if (isTerminated()) {
            return;
        }
        start(inputTokensEstimate);
        error = e;
        phase = Phase.FAILED;
        sink.error(e);
    }

    public AnthropicError error() {
        return error;
    }

    /** The Anthropic stop reason once FINISHED, else null. */
    public String stopReason() {
        return finalStopReason;
    }

    public Usage usage() {
        return usage == null ? new Usage(inputTokensEstimate, 0, 0, 0) : UsageMapping.toAnthropic(usage);
    }

    /** Whether any content block has been opened (for time-to-first-token). */
    public boolean hasContent() {
        return nextIndex > 0;
    }

    // ---- handlers, named after the delta field they handle

    private void onReasoning(String reasoning) {
        if (reasoning == null || reasoning.isEmpty() || !facts.thinkingRequested()) {
            return;
        }
        if (phase != Phase.IN_THINKING) {
            closeOpenBlock();
            openBlock(Phase.IN_THINKING, null);
        }
        for (int i = 0; i < reasoning.length(); i++) {
            thinkingHash = (thinkingHash ^ reasoning.charAt(i)) * 0x100000001b3L;
        }
        sink.thinkingDelta(openIndex, reasoning);
    }

    private void onContent(String content) {
        if (content == null || content.isEmpty()) {
            return; // the role chunk carries content:"" (protocol.md §C.4)
        }
        if (textCalls == null) {
            emitText(content);
            return;
        }
        for (Piece p : textCalls.feed(content)) {
            emitPiece(p);
        }
    }

    private void onToolCalls(List<ChatChunk.ToolCallDelta> calls) {
        for (ChatChunk.ToolCallDelta d : calls) {
            onToolCall(d.index(), d.id(), d.name(), d.arguments());
        }
    }

    private void onFinishReason(String reason, Object stop) {
        if (reason == null) {
            return;
        }
        finishSeen = true;
        finishReason = reason;
        stopReason = stop;
        if ("error".equals(reason)) {
            fail(AnthropicError.api("the upstream engine failed while generating"));
        } else if ("abort".equals(reason)) {
            fail(AnthropicError.overloaded("the upstream aborted the request"));
        }
    }

    // ---- text

    private void emitPiece(Piece p) {
        if (p instanceof Piece.Text t) {
            emitText(t.text());
        } else if (p instanceof Piece.ToolCall c) {
            int index = 1_000_000 + slots.size(); // upstream indexes of recovered calls never collide with real ones
            onToolCall(index, null, c.name(), c.argumentsJson());
        }
    }

    private void emitText(String text) {
        if (phase == Phase.IN_TEXT) {
            sink.textDelta(openIndex, text);
            return;
        }
        if (text.isBlank()) {
            return; // never open a block for whitespace alone (protocol.md §C.3), e.g. "\n\n" after </think>
        }
        closeOpenBlock();
        openBlock(Phase.IN_TEXT, null);
        sink.textDelta(openIndex, text.stripLeading()); // the block's first text: its leading whitespace goes too
    }

    // ---- tool calls

    private void onToolCall(int index, String id, String name, String arguments) {
        if (facts.disableParallelToolUse()) {
            if (firstToolIndex < 0) {
                firstToolIndex = index;
            } else if (index != firstToolIndex) {
                return; // old vLLM ignores parallel_tool_calls:false; enforce it here
            }
        }
        ToolCallSlot slot = slot(index);
        if (slot.closed) {
            return; // a fragment for a call already closed: vLLM parser bug; dropping keeps blocks sequential
        }
        if (slot.id == null && id != null && !id.isEmpty()) {
            slot.id = id;
        }
        if (slot.name == null && name != null && !name.isEmpty()) {
            slot.name = name;
        }
        if (arguments != null) {
            slot.arguments.append(arguments);
        }
        if (!slot.opened && slot.name != null) {
            closeOpenBlock();
            if (slot.id == null) {
                slot.id = syntheticToolId(slots.indexOf(slot));
            }
            openBlock(Phase.IN_TOOL_USE, slot);
            producedToolUse = true;
        }
    }

    private ToolCallSlot slot(int upstreamIndex) {
        for (ToolCallSlot s : slots) {
            if (s.upstreamIndex == upstreamIndex) {
                return s;
            }
        }
        ToolCallSlot s = new ToolCallSlot(upstreamIndex);
        slots.add(s);
        return s;
    }

    private String syntheticToolId(int ordinal) {
        String base = messageId.startsWith("msg_") ? messageId.substring(4) : messageId;
        return "toolu_" + base.replaceAll("[^a-zA-Z0-9_-]", "") + "_" + ordinal;
    }

    // ---- the only two places that emit content_block_start / content_block_stop

    private void openBlock(Phase kind, ToolCallSlot slot) {
        int index = nextIndex++;
        openIndex = index;
        phase = kind;
        switch (kind) {
            case IN_THINKING -> {
                thinkingHash = 0xcbf29ce484222325L;
                sink.contentBlockStartThinking(index);
            }
            case IN_TEXT -> sink.contentBlockStartText(index);
            case IN_TOOL_USE -> {
                slot.opened = true;
                openSlot = slot;
                sink.contentBlockStartToolUse(index, slot.id, slot.name);
            }
            default -> throw new IllegalStateException("not a block phase: " + kind);
        }
    }

    private void closeOpenBlock() {
        switch (phase) {
            case IN_THINKING -> sink.signatureDelta(openIndex, signature());
            case IN_TOOL_USE -> {
                openSlot.closed = true;
                String args = openSlot.arguments.toString();
                String json = ToolArguments.isValidObject(args) ? args.strip() : ToolArguments.repair(args);
                if (!"{}".equals(json)) {
                    sink.inputJsonDelta(openIndex, json);
                }
                openSlot = null;
            }
            case IN_TEXT -> { }
            default -> {
                return;
            }
        }
        sink.contentBlockStop(openIndex);
        openIndex = -1;
        phase = Phase.IDLE;
    }

    /** A stable opaque signature: clients replay it; only Tolk reads it (protocol.md §C.3). */
    private String signature() {
        return "tolk.v1." + Long.toHexString(thinkingHash);
    }

    private void complete() {
        if (textCalls != null) {
            for (Piece p : textCalls.finish()) {
                emitPiece(p);
            }
        }
        closeOpenBlock();
        FinishReasonMapping.Stop stop = FinishReasonMapping.toAnthropic(finishReason, stopReason, producedToolUse, facts);
        finalStopReason = facts.maxTokens() == 0 ? "max_tokens" : stop.stopReason();
        sink.messageDelta(finalStopReason, stop.stopSequence(), usage());
        sink.messageStop();
        phase = Phase.FINISHED;
    }

    /** Per upstream tool-call index: identity, buffered arguments, and whether its block is open or closed. */
    private static final class ToolCallSlot {
        final int upstreamIndex;
        String id;
        String name;
        final StringBuilder arguments = new StringBuilder();
        boolean opened;
        boolean closed;

        ToolCallSlot(int upstreamIndex) {
            this.upstreamIndex = upstreamIndex;
        }
    }
}
