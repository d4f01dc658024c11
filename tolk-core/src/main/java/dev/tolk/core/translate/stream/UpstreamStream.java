package dev.tolk.core.translate.stream;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.openai.response.ChatChunk;
import dev.tolk.core.openai.response.ChatChunkParser;
import dev.tolk.core.openai.response.ChatChunkReader;
import dev.tolk.core.sse.SseDecoder;
import dev.tolk.core.sse.SseOutput;
import dev.tolk.core.sse.SseWriter;
import dev.tolk.core.translate.RequestFacts;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * vLLM's SSE bytes in, Anthropic's SSE bytes out: {@link SseDecoder} → {@link ChatChunkReader} →
 * {@link StreamTranslator} → {@link SseWriter}. What the gateway and the in-process SDK adapter drive. A text chunk
 * like the one before (the reader's template with plain text) skips the middle: the decoder asks the reader to
 * recognise it at its line start, and its text goes to {@link StreamTranslator#onPlainText} as bytes.
 *
 * <pre>{@code
 * UpstreamStream s = new UpstreamStream(facts, "msg_…", "req_…", estimate);
 * SseOutput out = new SseOutput();
 * s.start(out);                 write(out); out.reset();
 * s.feed(bytes, out);           write(out); out.reset();    // for every read from the upstream
 * s.end(out);                   write(out);                 // at upstream EOF
 * }</pre>
 * Not thread-safe; calls must not overlap (pings included).
 */
public final class UpstreamStream {
    private static final byte[] DONE = {'[', 'D', 'O', 'N', 'E', ']'};

    private final StreamTranslator translator;
    private final SseDecoder decoder;
    private final long inputTokensEstimate;
    private SseWriter writer;
    private SseOutput boundOut;
    private final String requestId;
    private final RequestFacts facts;
    private final String messageId;
    private final Sink sink = new Sink();
    private final ChatChunkReader chunks = new ChatChunkReader();
    private boolean doneSeen;

    public UpstreamStream(RequestFacts facts, String messageId, String requestId, long inputTokensEstimate) {
        this(facts, messageId, requestId, inputTokensEstimate, null);
    }

    /**
     * With {@code tap} not null, every event also goes to {@code tap} after the output (a threaded request records its
     * reply this way). The tap hangs off the forwarding sink rather than wrapping it, so the translator's calls keep
     * seeing the same sink classes and an ordinary stream pays one null check per event.
     */
    public UpstreamStream(RequestFacts facts, String messageId, String requestId, long inputTokensEstimate,
                          dev.tolk.core.anthropic.response.AnthropicEventSink tap) {
        this.facts = facts;
        this.messageId = messageId;
        this.requestId = requestId;
        this.inputTokensEstimate = inputTokensEstimate;
        this.sink.tap = tap;
        this.translator = new StreamTranslator(facts, messageId, sink);
        this.decoder = new SseDecoder(new SseDecoder.Listener() {
            @Override
            public void onData(byte[] buf, int off, int len) {
                UpstreamStream.this.onData(buf, off, len);
            }

            @Override
            public int recognisedDataLength(byte[] buf, int off, int end) {
                return chunks.templateChunkLength(buf, off, end);
            }

            @Override
            public void onRecognisedData(byte[] buf, int off, int len) {
                UpstreamStream.this.onTextLikeTheLast(buf, off, len);
            }
        });
    }

    public UpstreamStream(RequestFacts facts, String messageId, long inputTokensEstimate) {
        this(facts, messageId, null, inputTokensEstimate);
    }

    /** {@code message_start}. */
    public void start(SseOutput out) {
        bind(out);
        translator.start(inputTokensEstimate);
    }

    public void feed(ByteBuffer upstreamBytes, SseOutput out) {
        bind(out);
        if (translator.isTerminated()) {
            upstreamBytes.position(upstreamBytes.limit());
            return;
        }
        try {
            decoder.feed(upstreamBytes);
        } catch (IllegalStateException e) {
            translator.onMalformedChunk(e.getMessage());
        }
    }

    public void feed(byte[] buf, int off, int len, SseOutput out) {
        bind(out);
        if (translator.isTerminated()) {
            return;
        }
        try {
            decoder.feed(buf, off, len);
        } catch (IllegalStateException e) {
            translator.onMalformedChunk(e.getMessage());
        }
    }

    public void ping(SseOutput out) {
        bind(out);
        if (!translator.isTerminated()) {
            sink.delegate.ping();
        }
    }

    /**
     * Returns the JSON writer's and the chunk parser's buffers to the shared pool once the events translated so far
     * are in the output; call it before sending the output, so a stream waiting for its next token holds none.
     */
    public void releaseBuffers() {
        if (writer != null) {
            writer.release();
        }
        chunks.release();
    }

    /** Upstream EOF. Without a finish reason this emits {@code event: error}. */
    public void end(SseOutput out) {
        bind(out);
        doneSeen = true;
        if (!translator.isTerminated()) {
            try {
                decoder.finish(); // the unterminated last line can still push an event over the size limit
            } catch (IllegalStateException e) {
                translator.onMalformedChunk(e.getMessage());
            }
        }
        translator.onUpstreamEnd();
    }

    /** Ends the stream with an error event (client-visible), e.g. on shutdown or an upstream read failure. */
    public void fail(AnthropicError error, SseOutput out) {
        bind(out);
        translator.fail(error);
    }

    public boolean isTerminated() {
        return translator.isTerminated();
    }

    /**
     * Whether the upstream has said it is finished ({@code data: [DONE]} or {@link #end}). A stream can be
     * terminated before that (a stop sequence, an error chunk), while the upstream would still generate.
     */
    public boolean upstreamDone() {
        return doneSeen;
    }

    /** Whether any content block has started (cheap: no {@link StreamOutcome} is built). */
    public boolean contentStarted() {
        return translator.hasContent();
    }

    /**
     * Content deltas (text, thinking, tool arguments) sent so far: about the tokens generated, as vLLM sends one per
     * chunk. Another thread may read it while the stream runs and then sees a recent value.
     */
    public int contentDeltas() {
        return sink.deltas;
    }

    public StreamOutcome outcome() {
        return new StreamOutcome(translator.stopReason(), translator.usage(), translator.error(),
                translator.hasContent());
    }

    private void onData(byte[] buf, int off, int len) {
        if (translator.isTerminated()) {
            return;
        }
        if (len == DONE.length && java.util.Arrays.equals(buf, off, off + len, DONE, 0, DONE.length)) {
            doneSeen = true;
            translator.onDone();
            return;
        }
        ChatChunk chunk;
        try {
            chunk = chunks.read(buf, off, len);
        } catch (IOException | RuntimeException e) {
            translator.onMalformedChunk(malformedDetail(e, buf, off, len));
            return;
        }
        translator.onChunk(chunk);
    }

    /** A chunk the reader recognised as its template with other plain text: the text goes on as bytes. */
    private void onTextLikeTheLast(byte[] buf, int off, int len) {
        if (!translator.isTerminated()) {
            translator.onPlainText(chunks.templateIsReasoning(), buf, off + chunks.templateTextOffset(),
                    chunks.templateTextLength(len));
        }
    }

    private void bind(SseOutput out) {
        if (out != boundOut) {
            boundOut = out;
            writer = new SseWriter(out, requestId);
            sink.delegate = writer;
        }
    }

    /**
     * What is wrong with a chunk, said the same way wherever the chunk lay in the upstream's reads: the chunk alone is
     * parsed again from a copy, since Jackson's positions (e.g. "byte #55") count from the start of the array it was
     * given, or for the stream's parser from the start of the stream. Only a stream's last chunk pays for this.
     */
    private static String malformedDetail(Exception streamFailure, byte[] buf, int off, int len) {
        Exception e = streamFailure;
        try {
            ChatChunkParser.parse(java.util.Arrays.copyOfRange(buf, off, off + len), 0, len);
        } catch (IOException | RuntimeException alone) {
            e = alone;
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Forwards to the writer bound to the current output, then to the tap if there is one. */
    private static final class Sink implements dev.tolk.core.anthropic.response.AnthropicEventSink {
        SseWriter delegate;
        dev.tolk.core.anthropic.response.AnthropicEventSink tap;
        /** Content deltas sent so far (read racily by a dashboard; one increment per chunk). */
        int deltas;

        @Override public void messageStart(String id, String model, dev.tolk.core.anthropic.response.Usage u) { delegate.messageStart(id, model, u); if (tap != null) tap.messageStart(id, model, u); }
        @Override public void contentBlockStartText(int i) { delegate.contentBlockStartText(i); if (tap != null) tap.contentBlockStartText(i); }
        @Override public void contentBlockStartThinking(int i) { delegate.contentBlockStartThinking(i); if (tap != null) tap.contentBlockStartThinking(i); }
        @Override public void contentBlockStartToolUse(int i, String id, String name) { delegate.contentBlockStartToolUse(i, id, name); if (tap != null) tap.contentBlockStartToolUse(i, id, name); }
        @Override public void textDelta(int i, String t) { deltas++; delegate.textDelta(i, t); if (tap != null) tap.textDelta(i, t); }
        @Override public void thinkingDelta(int i, String t) { deltas++; delegate.thinkingDelta(i, t); if (tap != null) tap.thinkingDelta(i, t); }
        @Override public void plainTextDelta(int i, byte[] b, int off, int len) { deltas++; delegate.plainTextDelta(i, b, off, len); if (tap != null) tap.plainTextDelta(i, b, off, len); }
        @Override public void plainThinkingDelta(int i, byte[] b, int off, int len) { deltas++; delegate.plainThinkingDelta(i, b, off, len); if (tap != null) tap.plainThinkingDelta(i, b, off, len); }
        @Override public void signatureDelta(int i, String s) { delegate.signatureDelta(i, s); if (tap != null) tap.signatureDelta(i, s); }
        @Override public void inputJsonDelta(int i, String j) { deltas++; delegate.inputJsonDelta(i, j); if (tap != null) tap.inputJsonDelta(i, j); }
        @Override public void contentBlockStop(int i) { delegate.contentBlockStop(i); if (tap != null) tap.contentBlockStop(i); }
        @Override public void messageDelta(String r, String s, dev.tolk.core.anthropic.response.Usage u) { delegate.messageDelta(r, s, u); if (tap != null) tap.messageDelta(r, s, u); }
        @Override public void messageStop() { delegate.messageStop(); if (tap != null) tap.messageStop(); }
        @Override public void error(AnthropicError e) { delegate.error(e); if (tap != null) tap.error(e); }
        @Override public void ping() { delegate.ping(); }
    }
}
