package dev.tolk.sim;

import java.util.List;

/**
 * How the simulated vLLM server behaves. Immutable; start from {@link #defaults()} and use the {@code with…}
 * methods.
 *
 * @param host                 bind address (127.0.0.1)
 * @param port                 0 picks a free port
 * @param models               served model names; the first is the default when a request names none
 * @param maxModelLen          context window reported and enforced
 * @param apiKey               when set, {@code /v1*} requires {@code Authorization: Bearer <key>} (else 401)
 * @param toolParser           started with {@code --enable-auto-tool-choice --tool-call-parser}; without it
 *                             {@code "auto"} tool choice is rejected like vLLM does
 * @param reasoningField       {@code reasoning} (vLLM ≥ 0.11) or {@code reasoning_content} (older)
 * @param reasoningParser      started with {@code --reasoning-parser}: reasoning comes back as a separate field;
 *                             without it scripted reasoning is written into content as {@code <think>…</think>}
 * @param promptTokensDetails  started with {@code --enable-prompt-tokens-details}: usage reports cached tokens
 * @param tokenize             serve {@code POST /tokenize} (404 when off)
 * @param overflowWording      which vLLM era's context-overflow message to use: old, mid, v019, new
 * @param prefillMicrosPerToken time to first token per prompt token, in microseconds (0 = none)
 * @param chunkDelayMillis     delay between streamed chunks (0 = write the whole stream at once)
 * @param defaultChunks        how many content chunks the default answer is split into
 * @param deterministic        fixed ids and {@code created} (for byte-exact tests)
 */
public record SimOptions(String host, int port, List<String> models, int maxModelLen, String apiKey,
                         boolean toolParser, String reasoningField, boolean reasoningParser,
                         boolean promptTokensDetails, boolean tokenize, String overflowWording,
                         long prefillMicrosPerToken, long chunkDelayMillis, int defaultChunks, boolean deterministic) {

    public SimOptions {
        models = List.copyOf(models);
        if (models.isEmpty()) {
            throw new IllegalArgumentException("at least one model name is required");
        }
    }

    public static SimOptions defaults() {
        return new SimOptions("127.0.0.1", 0, List.of("qwen3-sim"), 32768, null, true, "reasoning", true,
                true, true, "new", 0, 0, 8, false);
    }

    public SimOptions withHost(String v) { return new SimOptions(v, port, models, maxModelLen, apiKey, toolParser, reasoningField, reasoningParser, promptTokensDetails, tokenize, overflowWording, prefillMicrosPerToken, chunkDelayMillis, defaultChunks, deterministic); }
    public SimOptions withPort(int v) { return new SimOptions(host, v, models, maxModelLen, apiKey, toolParser, reasoningField, reasoningParser, promptTokensDetails, tokenize, overflowWording, prefillMicrosPerToken, chunkDelayMillis, defaultChunks, deterministic); }
    public SimOptions withModels(List<String> v) { return new SimOptions(host, port, v, maxModelLen, apiKey, toolParser, reasoningField, reasoningParser, promptTokensDetails, tokenize, overflowWording, prefillMicrosPerToken, chunkDelayMillis, defaultChunks, deterministic); }
    public SimOptions withMaxModelLen(int v) { return new SimOptions(host, port, models, v, apiKey, toolParser, reasoningField, reasoningParser, promptTokensDetails, tokenize, overflowWording, prefillMicrosPerToken, chunkDelayMillis, defaultChunks, deterministic); }
    public SimOptions withApiKey(String v) { return new SimOptions(host, port, models, maxModelLen, v, toolParser, reasoningField, reasoningParser, promptTokensDetails, tokenize, overflowWording, prefillMicrosPerToken, chunkDelayMillis, defaultChunks, deterministic); }
    public SimOptions withToolParser(boolean v) { return new SimOptions(host, port, models, maxModelLen, apiKey, v, reasoningField, reasoningParser, promptTokensDetails, tokenize, overflowWording, prefillMicrosPerToken, chunkDelayMillis, defaultChunks, deterministic); }
    public SimOptions withReasoningField(String v) { return new SimOptions(host, port, models, maxModelLen, apiKey, toolParser, v, reasoningParser, promptTokensDetails, tokenize, overflowWording, prefillMicrosPerToken, chunkDelayMillis, defaultChunks, deterministic); }
    public SimOptions withReasoningParser(boolean v) { return new SimOptions(host, port, models, maxModelLen, apiKey, toolParser, reasoningField, v, promptTokensDetails, tokenize, overflowWording, prefillMicrosPerToken, chunkDelayMillis, defaultChunks, deterministic); }
    public SimOptions withPromptTokensDetails(boolean v) { return new SimOptions(host, port, models, maxModelLen, apiKey, toolParser, reasoningField, reasoningParser, v, tokenize, overflowWording, prefillMicrosPerToken, chunkDelayMillis, defaultChunks, deterministic); }
    public SimOptions withTokenize(boolean v) { return new SimOptions(host, port, models, maxModelLen, apiKey, toolParser, reasoningField, reasoningParser, promptTokensDetails, v, overflowWording, prefillMicrosPerToken, chunkDelayMillis, defaultChunks, deterministic); }
    public SimOptions withOverflowWording(String v) { return new SimOptions(host, port, models, maxModelLen, apiKey, toolParser, reasoningField, reasoningParser, promptTokensDetails, tokenize, v, prefillMicrosPerToken, chunkDelayMillis, defaultChunks, deterministic); }
    public SimOptions withPrefillMicrosPerToken(long v) { return new SimOptions(host, port, models, maxModelLen, apiKey, toolParser, reasoningField, reasoningParser, promptTokensDetails, tokenize, overflowWording, v, chunkDelayMillis, defaultChunks, deterministic); }
    public SimOptions withChunkDelayMillis(long v) { return new SimOptions(host, port, models, maxModelLen, apiKey, toolParser, reasoningField, reasoningParser, promptTokensDetails, tokenize, overflowWording, prefillMicrosPerToken, v, defaultChunks, deterministic); }
    public SimOptions withDefaultChunks(int v) { return new SimOptions(host, port, models, maxModelLen, apiKey, toolParser, reasoningField, reasoningParser, promptTokensDetails, tokenize, overflowWording, prefillMicrosPerToken, chunkDelayMillis, v, deterministic); }
    public SimOptions withDeterministic(boolean v) { return new SimOptions(host, port, models, maxModelLen, apiKey, toolParser, reasoningField, reasoningParser, promptTokensDetails, tokenize, overflowWording, prefillMicrosPerToken, chunkDelayMillis, defaultChunks, v); }
}
