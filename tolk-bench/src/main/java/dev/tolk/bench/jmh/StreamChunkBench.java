package dev.tolk.bench.jmh;

import dev.tolk.core.translate.RequestFacts;
import dev.tolk.core.openai.response.ChatChunk;
import dev.tolk.core.openai.response.ChatChunkParser;
import dev.tolk.core.openai.response.ChatChunkReader;
import dev.tolk.core.sse.SseOutput;
import dev.tolk.core.sse.SseWriter;
import dev.tolk.core.translate.stream.UpstreamStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The streaming hot path: one vLLM text chunk through {@link UpstreamStream#feed} (ns and bytes allocated per
 * chunk with `-prof gc`), and a whole 200-chunk stream from message_start to message_stop.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class StreamChunkBench {
    static final byte[] ROLE = sse("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,"
            + "\"model\":\"sim-model\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
            + "\"logprobs\":null,\"finish_reason\":null}]}");
    static final byte[] TEXT = sse("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,"
            + "\"model\":\"sim-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" lorem\"},"
            + "\"logprobs\":null,\"finish_reason\":null}]}");
    static final byte[] FINISH = sse("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,"
            + "\"model\":\"sim-model\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\","
            + "\"stop_reason\":null}]}");
    static final byte[] USAGE = sse("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,"
            + "\"model\":\"sim-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"total_tokens\":212,"
            + "\"completion_tokens\":200}}");
    static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    static final RequestFacts FACTS = new RequestFacts("claude-sonnet-4-5", "sim-model", true, 1024, List.of(), false,
            false, Set.of(), false);

    private final ByteBuffer role = ByteBuffer.wrap(ROLE);
    private final ByteBuffer text = ByteBuffer.wrap(TEXT);
    private final ByteBuffer finish = ByteBuffer.wrap(FINISH);
    private final ByteBuffer usage = ByteBuffer.wrap(USAGE);
    private final ByteBuffer done = ByteBuffer.wrap(DONE);
    private final ByteBuffer wholeStream = ByteBuffer.wrap(concat(ROLE, TEXT, 200, FINISH, USAGE, DONE));
    private final SseOutput out = new SseOutput();
    private UpstreamStream stream;
    private final ChatChunkReader reader = new ChatChunkReader();
    private final SseWriter writer = new SseWriter(out, null);

    /** role, {@code n} text chunks, finish, usage, done: a whole stream as one read from the upstream. */
    private static byte[] concat(byte[] role, byte[] text, int n, byte[] finish, byte[] usage, byte[] done) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.writeBytes(role);
        for (int i = 0; i < n; i++) {
            b.writeBytes(text);
        }
        b.writeBytes(finish);
        b.writeBytes(usage);
        b.writeBytes(done);
        return b.toByteArray();
    }

    private static byte[] sse(String json) {
        return ("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    /** A stream that has started and opened its text block, ready for text chunks. */
    @Setup(Level.Iteration)
    public void openStream() {
        stream = new UpstreamStream(FACTS, "msg_bench", 12);
        stream.start(out);
        stream.feed(role.clear(), out);
        stream.feed(text.clear(), out);
        out.reset();
    }

    @Benchmark
    public SseOutput feedOneTextChunk() {
        out.reset();
        stream.feed(text.clear(), out);
        return out;
    }

    /** The JSON half of {@link #feedOneTextChunk}: one chunk's data parsed into a {@link ChatChunk}. */
    @Benchmark
    public ChatChunk parseOneTextChunk() throws java.io.IOException {
        return ChatChunkParser.parse(TEXT, 6, TEXT.length - 8);
    }

    /** The same chunk through the stream's one reader, as {@link UpstreamStream} parses it. */
    @Benchmark
    public ChatChunk readOneTextChunk() throws java.io.IOException {
        return reader.read(TEXT, 6, TEXT.length - 8);
    }

    /** The other half: one {@code content_block_delta} text event written. */
    @Benchmark
    public SseOutput writeOneTextDelta() {
        out.reset();
        writer.textDelta(0, " lorem");
        return out;
    }

    @Benchmark
    public SseOutput wholeStream200Chunks() {
        UpstreamStream s = new UpstreamStream(FACTS, "msg_bench", 12);
        out.reset();
        s.start(out);
        s.feed(role.clear(), out);
        for (int i = 0; i < 200; i++) {
            s.feed(text.clear(), out);
            if ((i & 15) == 15) {
                out.reset();
            }
        }
        s.feed(finish.clear(), out);
        s.feed(usage.clear(), out);
        s.feed(done.clear(), out);
        s.end(out);
        return out;
    }

    /**
     * The gateway's case under load: the simulator writes a whole 200-chunk stream faster than it is read, so it
     * arrives in one read (≈ 45 KB) and is translated in one {@link UpstreamStream#feed}, then the buffers are
     * released before the output is sent.
     */
    @Benchmark
    public SseOutput wholeStream200ChunksInOneRead() {
        UpstreamStream s = new UpstreamStream(FACTS, "msg_bench", 12);
        out.reset();
        s.start(out);
        s.feed(wholeStream.clear(), out);
        s.end(out);
        s.releaseBuffers();
        return out;
    }
}
