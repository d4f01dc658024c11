package dev.tolk.server.tracing;

import io.opentelemetry.api.common.AttributeKey;
import java.util.List;

/**
 * The attribute names Tolk's spans carry: OpenTelemetry's GenAI semantic conventions (development status; the names of
 * semantic-conventions-genai's {@code gen_ai.client.inference} span), HTTP/server ones, and Tolk's own
 * ({@code tolk.*}). docs/tracing.md lists what each span has.
 */
final class GenAi {
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    /** The provider's name before semantic conventions 1.37, still what several trace back-ends read. */
    static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("gen_ai.system");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
    static final AttributeKey<Long> MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");
    static final AttributeKey<Double> TEMPERATURE = AttributeKey.doubleKey("gen_ai.request.temperature");
    static final AttributeKey<Double> TOP_P = AttributeKey.doubleKey("gen_ai.request.top_p");
    static final AttributeKey<Long> TOP_K = AttributeKey.longKey("gen_ai.request.top_k");
    static final AttributeKey<List<String>> STOP_SEQUENCES =
            AttributeKey.stringArrayKey("gen_ai.request.stop_sequences");
    static final AttributeKey<String> REASONING_LEVEL = AttributeKey.stringKey("gen_ai.request.reasoning.level");
    static final AttributeKey<Boolean> STREAM = AttributeKey.booleanKey("gen_ai.request.stream");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<Long> CACHE_READ_TOKENS = AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
    static final AttributeKey<List<String>> FINISH_REASONS =
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    static final AttributeKey<Double> TIME_TO_FIRST_CHUNK =
            AttributeKey.doubleKey("gen_ai.response.time_to_first_chunk");
    static final AttributeKey<String> CONVERSATION_ID = AttributeKey.stringKey("gen_ai.conversation.id");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
    static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");

    static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("tolk.request_id");
    static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("tolk.session_id");
    static final AttributeKey<String> KEY = AttributeKey.stringKey("tolk.key");
    static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("tolk.upstream");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("tolk.attempt");
    static final AttributeKey<String> RETRY_REASON = AttributeKey.stringKey("tolk.retry.reason");
    static final AttributeKey<String> UPSTREAM_FROM = AttributeKey.stringKey("tolk.upstream.from");
    static final AttributeKey<String> NOTE = AttributeKey.stringKey("tolk.note");

    private GenAi() {
    }
}
