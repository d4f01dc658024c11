package dev.tolk.core.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.core.anthropic.ErrorType;
import dev.tolk.core.translate.request.TranslatedTokenize;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What vLLM's /tokenize answer means for count_tokens. */
class CountTokensDecisionTest {
    private static final TranslatedTokenize SENT = new TranslatedTokenize("claude-sonnet-4-5", "m", new byte[1001]);

    @Test
    void theUpstreamsCountIsExact() {
        var d = (CountTokensDecision.Count) CountTokensDecision.afterTokenize(SENT, 200,
                "{\"count\":42,\"max_model_len\":32768,\"tokens\":[]}".getBytes(StandardCharsets.UTF_8));
        assertThat(d.inputTokens()).isEqualTo(42);
        assertThat(d.headerValue()).isEqualTo("exact");
        assertThat(new String(d.body(), StandardCharsets.UTF_8)).isEqualTo("{\"input_tokens\":42}");
    }

    @Test
    void withoutTokenizeItIsAnEstimateOfFourBytesAToken() {
        for (int status : new int[] {404, 405}) {
            var d = (CountTokensDecision.Count) CountTokensDecision.afterTokenize(SENT, status, new byte[0]);
            assertThat(d.inputTokens()).isEqualTo(250);
            assertThat(d.headerValue()).isEqualTo("estimate");
        }
        var tiny = (CountTokensDecision.Count) CountTokensDecision.afterTokenize(
                new TranslatedTokenize("a", "m", new byte[3]), 404, null);
        assertThat(tiny.inputTokens()).isEqualTo(1);
    }

    @Test
    void anyOtherStatusIsTheMappedUpstreamError() {
        var d = (CountTokensDecision.Fail) CountTokensDecision.afterTokenize(SENT, 503,
                "{\"error\":{\"message\":\"busy\",\"type\":\"ServiceUnavailable\",\"code\":503}}".getBytes(StandardCharsets.UTF_8));
        assertThat(d.error().status()).isEqualTo(529);
        assertThat(d.error().type()).isEqualTo(ErrorType.OVERLOADED);
    }

    @Test
    void anAnswerWithoutACountIsAnApiError() {
        var d = (CountTokensDecision.Fail) CountTokensDecision.afterTokenize(SENT, 200,
                "{\"nothing\":1}".getBytes(StandardCharsets.UTF_8));
        assertThat(d.error().status()).isEqualTo(500);
        assertThat(d.error().type()).isEqualTo(ErrorType.API);
    }
}
