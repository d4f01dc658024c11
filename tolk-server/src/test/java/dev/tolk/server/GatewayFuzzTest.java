package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.translate.ModelResolver;
import dev.tolk.core.translate.TranslationOptions;
import dev.tolk.core.translate.request.RequestTranslator;
import dev.tolk.sim.SimOptions;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Client bodies → the running gateway (in front of the simulator), on {@code /v1/messages} and
 * {@code count_tokens}. Property: a body the translator rejects is answered with that same 4xx as an Anthropic
 * error carrying the response's request id; any other body gets 200 or a 4xx — never a 5xx.
 */
class GatewayFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RequestTranslator CORE = new RequestTranslator(TranslationOptions.defaults(),
            ModelResolver.identity());
    private static GatewayFixture gateway;

    @BeforeAll
    static void start() {
        gateway = new GatewayFixture(SimOptions.builder().maxModelLen(131072).build(), c -> c);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @DictionaryEntries({"\"model\"", "\"max_tokens\"", "\"messages\"", "\"role\"", "\"user\"", "\"assistant\"",
            "\"content\"", "\"type\"", "\"text\"", "\"tool_use\"", "\"tool_result\"", "\"thinking\"", "\"tools\"",
            "\"tool_choice\"", "\"system\"", "\"stream\"", "\"input_schema\"", "\"name\"", "\"id\"", "true"})
    @FuzzTest
    void anyBody(byte[] body) throws Exception {
        check(body, "/v1/messages", coreStatus(body, false));
        check(body, "/v1/messages/count_tokens", coreStatus(body, true));
    }

    private static void check(byte[] body, String path, int coreStatus) throws Exception {
        HttpResponse<String> r = gateway.post(path, body, "anthropic-version", "2023-06-01");
        int status = r.statusCode();
        if (coreStatus != 0) {
            assertThat(status).as("%s: %s", path, r.body()).isEqualTo(coreStatus);
        } else {
            assertThat(status).as("%s: %s", path, r.body()).isIn(200, 400, 404, 413, 429);
        }
        if (status >= 400) {
            JsonNode error = JSON.readTree(r.body());
            assertThat(error.path("type").asText()).isEqualTo("error");
            assertThat(error.path("error").path("type").isTextual()).isTrue();
            assertThat(error.path("request_id").asText()).isEqualTo(r.headers().firstValue("request-id").orElse(null));
        }
    }

    /** The status the core translator rejects the body with, or 0 when it accepts it. */
    private static int coreStatus(byte[] body, boolean countTokens) {
        try {
            if (countTokens) {
                CORE.translateCountTokens(body);
            } else {
                CORE.translate(body);
            }
            return 0;
        } catch (AnthropicException e) {
            return e.error().status();
        }
    }
}
