package dev.tolk.sim;

import java.util.List;
import java.util.Objects;

/**
 * How one simulated vLLM instance behaves. Immutable; build with {@link #builder()} (or start from
 * {@link #defaults()}) and derive variants with {@link #toBuilder()}:
 *
 * <pre>{@code
 * SimOptions o = SimOptions.builder().maxModelLen(8192).toolParser(false).build();
 * SimOptions other = o.toBuilder().port(8001).build();
 * }</pre>
 *
 * <p>The defaults run flat out: no prefill or decode time, no limit on concurrent sequences, and a prefix cache of
 * {@value #DEFAULT_KV_BLOCKS} blocks. The cost model (prefill per uncached prompt token, decode per output token,
 * {@code max-num-seqs}, a smaller KV capacity) is opt-in.
 */
public final class SimOptions {
    /** The KV capacity when none is configured: large enough that nothing waits for blocks. */
    public static final int DEFAULT_KV_BLOCKS = 200_000;

    private final String host;
    private final int port;
    private final List<String> models;
    private final int maxModelLen;
    private final String apiKey;
    private final boolean toolParser;
    private final String reasoningField;
    private final boolean reasoningParser;
    private final boolean promptTokensDetails;
    private final boolean tokenize;
    private final String overflowWording;
    private final long prefillMicrosPerToken;
    private final long decodeMicrosPerToken;
    private final int maxNumSeqs;
    private final int kvBlocks;
    private final boolean priorityScheduling;
    private final long chunkDelayMillis;
    private final int defaultChunks;
    private final boolean deterministic;

    private SimOptions(Builder b) {
        host = Objects.requireNonNull(b.host, "host");
        port = b.port;
        models = List.copyOf(b.models);
        if (models.isEmpty()) {
            throw new IllegalArgumentException("at least one model name is required");
        }
        maxModelLen = b.maxModelLen;
        apiKey = b.apiKey;
        toolParser = b.toolParser;
        reasoningField = b.reasoningField;
        reasoningParser = b.reasoningParser;
        promptTokensDetails = b.promptTokensDetails;
        tokenize = b.tokenize;
        overflowWording = b.overflowWording;
        prefillMicrosPerToken = nonNegative(b.prefillMicrosPerToken, "prefillMicrosPerToken");
        decodeMicrosPerToken = nonNegative(b.decodeMicrosPerToken, "decodeMicrosPerToken");
        maxNumSeqs = (int) nonNegative(b.maxNumSeqs, "maxNumSeqs");
        if (b.kvBlocks < 1) {
            throw new IllegalArgumentException("kvBlocks must be at least 1, got " + b.kvBlocks);
        }
        kvBlocks = b.kvBlocks;
        priorityScheduling = b.priorityScheduling;
        chunkDelayMillis = nonNegative(b.chunkDelayMillis, "chunkDelayMillis");
        defaultChunks = b.defaultChunks;
        deterministic = b.deterministic;
    }

    private static long nonNegative(long v, String name) {
        if (v < 0) {
            throw new IllegalArgumentException(name + " must not be negative, got " + v);
        }
        return v;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: {@code builder().build()}. */
    public static SimOptions defaults() {
        return builder().build();
    }

    /** A builder holding these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.models = models;
        b.maxModelLen = maxModelLen;
        b.apiKey = apiKey;
        b.toolParser = toolParser;
        b.reasoningField = reasoningField;
        b.reasoningParser = reasoningParser;
        b.promptTokensDetails = promptTokensDetails;
        b.tokenize = tokenize;
        b.overflowWording = overflowWording;
        b.prefillMicrosPerToken = prefillMicrosPerToken;
        b.decodeMicrosPerToken = decodeMicrosPerToken;
        b.maxNumSeqs = maxNumSeqs;
        b.kvBlocks = kvBlocks;
        b.priorityScheduling = priorityScheduling;
        b.chunkDelayMillis = chunkDelayMillis;
        b.defaultChunks = defaultChunks;
        b.deterministic = deterministic;
        return b;
    }

    /** Bind address (127.0.0.1). */
    public String host() { return host; }

    /** Port; 0 picks a free one. */
    public int port() { return port; }

    /** Served model names; the first is the default when a request names none. */
    public List<String> models() { return models; }

    /** Context window reported and enforced. */
    public int maxModelLen() { return maxModelLen; }

    /** When set, {@code /v1*} requires {@code Authorization: Bearer <key>} (else 401). */
    public String apiKey() { return apiKey; }

    /** Started with {@code --enable-auto-tool-choice --tool-call-parser}; without it "auto" is rejected. */
    public boolean toolParser() { return toolParser; }

    /** {@code reasoning} (vLLM ≥ 0.11) or {@code reasoning_content} (older). */
    public String reasoningField() { return reasoningField; }

    /** Started with {@code --reasoning-parser}; without it reasoning is written into content as think tags. */
    public boolean reasoningParser() { return reasoningParser; }

    /** Started with {@code --enable-prompt-tokens-details}: usage reports cached tokens. */
    public boolean promptTokensDetails() { return promptTokensDetails; }

    /** Serve {@code POST /tokenize} (404 when off). */
    public boolean tokenize() { return tokenize; }

    /** Which vLLM era's context-overflow message to use: old, mid, v019, new. */
    public String overflowWording() { return overflowWording; }

    /** Prefill time per prompt token not served from the prefix cache, in microseconds (0 = none). */
    public long prefillMicrosPerToken() { return prefillMicrosPerToken; }

    /** Decode time per output token, in microseconds (0 = none). */
    public long decodeMicrosPerToken() { return decodeMicrosPerToken; }

    /** vLLM's {@code --max-num-seqs}: sequences running at once; more wait in a FIFO queue (0 = no limit). */
    public int maxNumSeqs() { return maxNumSeqs; }

    /** KV capacity in blocks of {@value KvCache#BLOCK} tokens; also the prefix cache's size. */
    public int kvBlocks() { return kvBlocks; }
    /**
     * vLLM's {@code --scheduling-policy priority}: the waiting queue is ordered by the request's {@code priority}
     * (lower first, then arrival; no preemption of running requests). Without it a non-zero {@code priority} is a 400.
     */
    public boolean priorityScheduling() { return priorityScheduling; }

    /** Delay between streamed chunks (0 = write the whole stream at once). */
    public long chunkDelayMillis() { return chunkDelayMillis; }

    /** How many content chunks the default answer is split into. */
    public int defaultChunks() { return defaultChunks; }

    /** Fixed ids and {@code created} (for byte-exact tests). */
    public boolean deterministic() { return deterministic; }

    @Override
    public String toString() {
        return "SimOptions[host=" + host + ", port=" + port + ", models=" + models + ", maxModelLen=" + maxModelLen
                + ", toolParser=" + toolParser + ", reasoningField=" + reasoningField + ", reasoningParser="
                + reasoningParser + ", promptTokensDetails=" + promptTokensDetails + ", tokenize=" + tokenize
                + ", overflowWording=" + overflowWording + ", prefillMicrosPerToken=" + prefillMicrosPerToken
                + ", decodeMicrosPerToken=" + decodeMicrosPerToken + ", maxNumSeqs=" + maxNumSeqs + ", kvBlocks="
                + kvBlocks + ", chunkDelayMillis=" + chunkDelayMillis + ", defaultChunks=" + defaultChunks
                + ", deterministic=" + deterministic + "]";
    }

    /** Builds {@link SimOptions}; every setting starts at its default. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 0;
        private List<String> models = List.of("qwen3-sim");
        private int maxModelLen = 32768;
        private String apiKey;
        private boolean toolParser = true;
        private String reasoningField = "reasoning";
        private boolean reasoningParser = true;
        private boolean promptTokensDetails = true;
        private boolean tokenize = true;
        private String overflowWording = "new";
        private long prefillMicrosPerToken;
        private long decodeMicrosPerToken;
        private int maxNumSeqs;
        private int kvBlocks = DEFAULT_KV_BLOCKS;
        private boolean priorityScheduling;
        private long chunkDelayMillis;
        private int defaultChunks = 8;
        private boolean deterministic;

        private Builder() {}

        public Builder host(String v) { host = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder models(List<String> v) { models = v; return this; }
        public Builder maxModelLen(int v) { maxModelLen = v; return this; }
        public Builder apiKey(String v) { apiKey = v; return this; }
        public Builder toolParser(boolean v) { toolParser = v; return this; }
        public Builder reasoningField(String v) { reasoningField = v; return this; }
        public Builder reasoningParser(boolean v) { reasoningParser = v; return this; }
        public Builder promptTokensDetails(boolean v) { promptTokensDetails = v; return this; }
        public Builder tokenize(boolean v) { tokenize = v; return this; }
        public Builder overflowWording(String v) { overflowWording = v; return this; }
        public Builder prefillMicrosPerToken(long v) { prefillMicrosPerToken = v; return this; }
        public Builder decodeMicrosPerToken(long v) { decodeMicrosPerToken = v; return this; }
        public Builder maxNumSeqs(int v) { maxNumSeqs = v; return this; }
        public Builder kvBlocks(int v) { kvBlocks = v; return this; }
        public Builder priorityScheduling(boolean v) { priorityScheduling = v; return this; }
        public Builder chunkDelayMillis(long v) { chunkDelayMillis = v; return this; }
        public Builder defaultChunks(int v) { defaultChunks = v; return this; }
        public Builder deterministic(boolean v) { deterministic = v; return this; }

        public SimOptions build() {
            return new SimOptions(this);
        }
    }
}
