package dev.tolk.core.dispatch;

import static dev.tolk.core.dispatch.DispatchFixtures.MODEL;
import static dev.tolk.core.dispatch.DispatchFixtures.overflow;
import static dev.tolk.core.dispatch.DispatchFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.core.translate.request.TranslatedRequest;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** {@code max_tokens} fitted into the window before sending, and after vLLM named the exact prompt size. */
class ContextClampTest {
    private final PromptSizeEstimator estimator = new PromptSizeEstimator();
    private final ContextClamp clamp = new ContextClamp(estimator);

    @Test
    void withoutAKnownWindowTheRequestGoesAsItIs() {
        TranslatedRequest tr = request(128_000, false);
        assertThat(clamp.beforeSend(tr, OptionalInt.empty())).isSameAs(tr);
    }

    @Test
    void maxTokensIsClampedToTheWindowMinusTheEstimatedPrompt() {
        TranslatedRequest tr = request(128_000, false);
        long estimate = estimator.estimate(MODEL, tr.upstreamBody().length);
        TranslatedRequest clamped = clamp.beforeSend(tr, OptionalInt.of(32_768));
        assertThat(clamped.maxTokens()).isEqualTo((int) (32_768 - estimate));
        assertThat(tr.maxTokens()).isEqualTo(128_000); // a copy: the original is kept for the response side
    }

    @Test
    void aRequestThatFitsIsNotTouched() {
        TranslatedRequest tr = request(1000, false);
        assertThat(clamp.beforeSend(tr, OptionalInt.of(32_768))).isSameAs(tr);
    }

    @Test
    void aWindowSmallerThanThePromptStillAsksForOneToken() {
        TranslatedRequest tr = request(1000, false);
        assertThat(clamp.beforeSend(tr, OptionalInt.of(10)).maxTokens()).isEqualTo(1);
    }

    @Test
    void anOverflowWithRoomLeftIsRetriedOnceWithTheExactRoom() {
        Attempt first = Attempt.first(request(32_000, false));
        Decision d = clamp.afterOverflow(first, 400, overflow(30_000, 32_768), OptionalInt.empty());
        assertThat(d).isInstanceOf(Decision.Retry.class);
        Attempt next = ((Decision.Retry) d).next();
        assertThat(next.number()).isEqualTo(2);
        assertThat(next.reason()).isEqualTo(RetryReason.CONTEXT_WINDOW);
        assertThat(next.request().maxTokens()).isEqualTo(2768);
        // the second overflow is not retried again: the ordinary error mapping answers
        assertThat(clamp.afterOverflow(next, 400, overflow(30_500, 32_768), OptionalInt.empty())).isNull();
    }

    @Test
    void theRetryNeverAsksForMoreThanTheClientDid() {
        Attempt first = Attempt.first(request(500, false));
        Decision.Retry d = (Decision.Retry) clamp.afterOverflow(first, 400, overflow(1000, 32_768), OptionalInt.empty());
        assertThat(d.next().request().maxTokens()).isEqualTo(500);
    }

    @Test
    void aPromptThatFillsTheWindowIsPromptIsTooLong() {
        Attempt first = Attempt.first(request(32_000, false));
        Decision d = clamp.afterOverflow(first, 400, overflow(40_000, 32_768), OptionalInt.empty());
        assertThat(d).isInstanceOf(Decision.Fail.class);
        Decision.Fail f = (Decision.Fail) d;
        assertThat(f.error().status()).isEqualTo(400);
        assertThat(f.error().message()).isEqualTo("prompt is too long: 40000 tokens > 32768 maximum");
        assertThat(f.upstreamFault()).isNull();
    }

    @Test
    void theKnownWindowStandsInWhenTheErrorDoesNotNameIt() {
        Attempt first = Attempt.first(request(32_000, false));
        byte[] body = DispatchFixtures.vllm("maximum input length exceeded (parameter=input_tokens, value=9000)");
        Decision.Retry d = (Decision.Retry) clamp.afterOverflow(first, 400, body, OptionalInt.of(10_000));
        assertThat(d.next().request().maxTokens()).isEqualTo(1000);
        assertThat(clamp.afterOverflow(first, 400, body, OptionalInt.empty())).isNull(); // no limit known: mapped
    }

    @Test
    void theNamedPromptSizeIsLearned() {
        Attempt first = Attempt.first(request(32_000, false));
        int bytes = first.bodyBytes();
        clamp.afterOverflow(first, 400, overflow(bytes, 32_768), OptionalInt.empty()); // one token per byte
        assertThat(estimator.estimate(MODEL, bytes)).isEqualTo((long) Math.ceil(bytes * 1.03));
    }

    @Test
    void otherErrorsAreNotTheClampsBusiness() {
        Attempt first = Attempt.first(request(32_000, false));
        assertThat(clamp.afterOverflow(first, 400, DispatchFixtures.vllm("messages: field required"),
                OptionalInt.of(32_768))).isNull();
        assertThat(clamp.afterOverflow(first, 500, overflow(30_000, 32_768), OptionalInt.of(32_768))).isNull();
    }
}
