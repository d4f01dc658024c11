package dev.tolk.core.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one shared Jackson configuration of Tolk. Every class of the core, the gateway and the SDK adapter that reads
 * or writes JSON uses {@link #MAPPER} or {@link #FACTORY} (the gateway's YAML config is read through {@link #MAPPER}
 * too). Only the simulator, which must not depend on tolk-core, and the benchmark harness's result files (pretty
 * printed, independent of the wire settings) keep mappers of their own.
 *
 * <p>Limits: nesting depth 256 and string length 64 MiB, so hostile input fails fast with a parse error
 * (which the caller turns into a 400) instead of exhausting the stack or heap.
 */
public final class Json {
    /** Maximum nesting depth accepted in any JSON document. */
    public static final int MAX_NESTING_DEPTH = 256;
    /** Maximum length of one JSON string value, in characters. */
    public static final int MAX_STRING_LENGTH = 64 * 1024 * 1024;

    // Jackson's default buffer pool is thread-local, which virtual threads defeat (every stream would allocate fresh
    // buffers); a shared pool keeps per-chunk parsing allocation small. The concurrent-deque one, since Jackson 2.18
    // deprecated its lock-free pool (it could hold on to buffers without bound, jackson-core #1271).
    public static final JsonFactory FACTORY = JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxStringLength(MAX_STRING_LENGTH)
                    .build())
            .build();

    public static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    /**
     * Whether {@code c} (a char, or a byte of UTF-8, negative from 0x80 on) is its own content in a JSON string, as
     * Jackson writes and reads it: ASCII from the space up (DEL included), but {@code "} and {@code \\}. Text made of
     * such characters needs neither escaping nor decoding.
     */
    public static boolean isPlainStringChar(int c) {
        return c >= 0x20 && c <= 0x7F && c != '"' && c != '\\';
    }

    private Json() {}
}
