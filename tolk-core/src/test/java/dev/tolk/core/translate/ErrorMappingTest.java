package dev.tolk.core.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.ErrorType;
import dev.tolk.core.translate.error.ErrorMapping;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Upstream errors → Anthropic errors (protocol.md §C.7, §B.8). */
class ErrorMappingTest {
    private static byte[] vllm(int code, String type, String message, String param) {
        return ("{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":"
                + (param == null ? "null" : "\"" + param + "\"") + ",\"code\":" + code + "}}").getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "This model's maximum context length is 32768 tokens. However, you requested 160000 tokens (32000 in the messages, 128000 in the completion). Please reduce the length of the messages or completion.",
            "This model's maximum context length is 32768 tokens. However, your request has 32000 input tokens. Please reduce the length of the input messages. (parameter=input_tokens, value=32000)",
            "'max_tokens' or 'max_completion_tokens' is too large: 128000. This model's maximum context length is 32768 tokens and your request has 32000 input tokens (128000 > 32768 - 32000). (parameter=max_tokens, value=128000)",
            "This model's maximum context length is 32768 tokens. However, you requested 128000 output tokens and your prompt contains 32000 input tokens, for a total of 160000 tokens (32000 + 128000 = 160000 > 32768). Please reduce the length of the input prompt or the number of requested output tokens.",
            "This model's maximum context length is 32768 tokens. However, you requested 128000 output tokens and your prompt contains at least 32000 input tokens, for a total of at least 160000 tokens. Please reduce the length of the input prompt or the number of requested output tokens. (parameter=input_tokens, value=32000)",
    })
    void everyVllmContextOverflowWordingBecomesPromptIsTooLong(String message) {
        AnthropicError e = ErrorMapping.fromUpstream(400, vllm(400, "BadRequestError", message, null), null);
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.type()).isEqualTo(ErrorType.INVALID_REQUEST);
        assertThat(e.message()).isEqualTo("prompt is too long: 32000 tokens > 32768 maximum");
    }

    @Test
    void theIntermediateRendererWordingIsRecognizedToo() {
        var o = ErrorMapping.contextOverflow(400, vllm(400, "BadRequestError", "You passed 40000 input tokens and "
                + "requested 1000 output tokens. However, the model's context length is only 32768 tokens, resulting in "
                + "a maximum input length of 31768 tokens. Please reduce the length of the input prompt.", null));
        assertThat(o.promptTokens()).hasValue(40000);
        assertThat(o.maxModelLen()).hasValue(32768);
        assertThat(o.promptAloneTooLong()).isTrue();
    }

    @ParameterizedTest
    @CsvSource({
            "400, BadRequestError, 400, invalid_request_error",
            "404, NotFoundError, 404, not_found_error",
            "413, BadRequestError, 413, request_too_large",
            "429, RateLimitError, 429, rate_limit_error",
            "500, InternalServerError, 500, api_error",
            "501, NotImplementedError, 500, api_error",
            "502, BadGateway, 529, overloaded_error",
            "503, ServiceUnavailable, 529, overloaded_error",
            "504, GatewayTimeout, 504, timeout_error",
    })
    void statusesMapToAnthropicTypes(int status, String type, int expectedStatus, String expectedType) {
        AnthropicError e = ErrorMapping.fromUpstream(status, vllm(status, type, "boom", null), null);
        assertThat(e.status()).isEqualTo(expectedStatus);
        assertThat(e.type().wireName()).isEqualTo(expectedType);
    }

    @Test
    void theFlatLegacyShapeIsRead() {
        AnthropicError e = ErrorMapping.fromUpstream(404, ("{\"object\":\"error\",\"message\":\"The model `x` does not exist.\","
                + "\"type\":\"NotFoundError\",\"param\":null,\"code\":404}").getBytes(StandardCharsets.UTF_8), null);
        assertThat(e.message()).isEqualTo("The model `x` does not exist.");
    }

    @Test
    void upstreamUnauthorizedIsTheOperatorsProblemNotTheClients() {
        AnthropicError e = ErrorMapping.fromUpstream(401, "{\"error\":\"Unauthorized\"}".getBytes(StandardCharsets.UTF_8), null);
        assertThat(e.status()).isEqualTo(500);
        assertThat(e.type()).isEqualTo(ErrorType.API);
        assertThat(e.message()).contains("VLLM_API_KEY");
    }

    @Test
    void retryAfterIsKeptAndOverloadGetsOne() {
        assertThat(ErrorMapping.fromUpstream(429, vllm(429, "RateLimitError", "slow down", null), "7").retryAfterSeconds())
                .hasValue(7);
        assertThat(ErrorMapping.unreachable("refused").status()).isEqualTo(529);
        assertThat(ErrorMapping.unreachable("refused").retryAfterSeconds()).hasValue(1);
    }

    @Test
    void theMissingToolParserErrorIsRecognized() {
        assertThat(ErrorMapping.isAutoToolChoiceUnsupported(400, vllm(400, "BadRequestError",
                "\\\"auto\\\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set", null))).isTrue();
        assertThat(ErrorMapping.isAutoToolChoiceUnsupported(400, vllm(400, "BadRequestError", "other", null))).isFalse();
    }

    @Test
    void errorBodiesHaveAnthropicsShapeWithRequestId() {
        String json = new String(AnthropicError.overloaded("busy").toJson("req_1"), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"busy\"},"
                + "\"request_id\":\"req_1\"}");
    }
}
