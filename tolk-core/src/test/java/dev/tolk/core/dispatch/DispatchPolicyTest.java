package dev.tolk.core.dispatch;

import static dev.tolk.core.dispatch.DispatchFixtures.MODEL;
import static dev.tolk.core.dispatch.DispatchFixtures.noToolParser;
import static dev.tolk.core.dispatch.DispatchFixtures.overflow;
import static dev.tolk.core.dispatch.DispatchFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.core.anthropic.ErrorType;
import dev.tolk.core.anthropic.response.Usage;
import dev.tolk.core.translate.response.TranslatedResponse;
import dev.tolk.core.translate.stream.StreamOutcome;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The whole ladder, as the gateway and the SDK adapter climb it. */
class DispatchPolicyTest {
    private final Map<String, Integer> windows = new HashMap<>(Map.of(MODEL, 32_768));
    private final DispatchPolicy policy = new DispatchPolicy(true,
            m -> windows.containsKey(m) ? OptionalInt.of(windows.get(m)) : OptionalInt.empty());

    @Test
    void theFirstAttemptIsClampedToTheWindow() {
        Attempt a = policy.first(request(128_000, false));
        assertThat(a.number()).isEqualTo(1);
        assertThat(a.reason()).isNull();
        assertThat(a.request().maxTokens()).isEqualTo(32_768 - (int) policy.promptEstimate(a));
        windows.clear();
        assertThat(policy.first(request(128_000, false)).request().maxTokens()).isEqualTo(128_000);
    }

    @Test
    void noToolParserThenOverflowThenOverflowAgain() {
        Attempt first = policy.first(request(32_000, true));
        Attempt second = retried(policy.afterError(first, 400, noToolParser(), null));
        assertThat(second.reason()).isEqualTo(RetryReason.NO_TOOL_PARSER);
        assertThat(second.request().chat().toolChoice()).isEqualTo("none");

        Attempt third = retried(policy.afterError(second, 400, overflow(30_000, 32_768), null));
        assertThat(third.number()).isEqualTo(3);
        assertThat(third.reason()).isEqualTo(RetryReason.CONTEXT_WINDOW);
        assertThat(third.request().maxTokens()).isEqualTo(2768);
        assertThat(third.request().chat().toolChoice()).isEqualTo("none"); // the fallback is kept
        assertThat(third.retriedFor(RetryReason.NO_TOOL_PARSER)).isTrue();

        // the window retry happens once: a second overflow that leaves room is vLLM's error, mapped
        Decision.Fail f = (Decision.Fail) policy.afterError(third, 400, overflow(31_000, 32_768), null);
        assertThat(f.error().type()).isEqualTo(ErrorType.INVALID_REQUEST);
        assertThat(f.upstreamFault()).isNull();

        // and the model is now known to have no parser
        assertThat(policy.first(request(100, true)).request().chat().toolChoice()).isEqualTo("none");
    }

    @Test
    void theWindowRetryIsOnceEvenWhenTheToolFallbackComesBetween() {
        Attempt first = policy.first(request(32_000, true));
        Attempt clamped = retried(policy.afterError(first, 400, overflow(30_000, 32_768), null));
        Attempt none = retried(policy.afterError(clamped, 400, noToolParser(), null));
        assertThat(policy.afterError(none, 400, overflow(30_000, 32_768), null)).isInstanceOf(Decision.Fail.class);
    }

    @Test
    void upstreamFailuresAreNamedForTheMetricClientMistakesAreNot() {
        Attempt a = policy.first(request(100, false));
        Decision.Fail overloaded = (Decision.Fail) policy.afterError(a, 503, DispatchFixtures.vllm("busy"), "7");
        assertThat(overloaded.error().status()).isEqualTo(529);
        assertThat(overloaded.error().retryAfterSeconds()).hasValue(7);
        assertThat(overloaded.upstreamFault()).isEqualTo("http_503");

        Decision.Fail credentials = (Decision.Fail) policy.afterError(a, 401, "{\"error\":\"Unauthorized\"}".getBytes(), null);
        assertThat(credentials.error().status()).isEqualTo(500);
        assertThat(credentials.upstreamFault()).isEqualTo("http_401");

        Decision.Fail limited = (Decision.Fail) policy.afterError(a, 429, DispatchFixtures.vllm("slow down"), null);
        assertThat(limited.error().type()).isEqualTo(ErrorType.RATE_LIMIT);
        assertThat(limited.upstreamFault()).isNull();

        Decision.Fail tooLong = (Decision.Fail) policy.afterError(a, 400, overflow(40_000, 32_768), null);
        assertThat(tooLong.error().message()).isEqualTo("prompt is too long: 40000 tokens > 32768 maximum");
        assertThat(tooLong.upstreamFault()).isNull();
    }

    @Test
    void noAnswerIsOverloadedAndABrokenBodyAnApiError() {
        Attempt a = policy.first(request(100, false));
        Decision.Fail gone = (Decision.Fail) policy.afterNoAnswer(a, "connection refused by the upstream");
        assertThat(gone.error().status()).isEqualTo(529);
        assertThat(gone.error().message()).isEqualTo("upstream unreachable: connection refused by the upstream");
        assertThat(gone.upstreamFault()).isEqualTo("unreachable");

        Decision.Fail broken = (Decision.Fail) policy.afterBrokenBody(a, "the upstream closed the connection");
        assertThat(broken.error().status()).isEqualTo(500);
        assertThat(broken.error().message()).endsWith("while reading the response: the upstream closed the connection");
        assertThat(broken.upstreamFault()).isEqualTo("read");
    }

    @Test
    void answersAndFinishedStreamsTeachThePromptSize() {
        Attempt a = policy.first(request(100, false));
        int bytes = a.bodyBytes();
        assertThat(policy.promptEstimate(a)).isEqualTo((long) Math.ceil(bytes * 0.25));

        policy.streamEnded(a, new StreamOutcome(null, new Usage(bytes, 0, 0, 0), null, true)); // broken off: no count
        assertThat(policy.promptEstimate(a)).isEqualTo((long) Math.ceil(bytes * 0.25));

        policy.streamEnded(a, new StreamOutcome("end_turn", new Usage(bytes / 4, 3, bytes / 4, 0), null, true));
        assertThat(policy.promptEstimate(a)).isEqualTo((long) Math.ceil(bytes * ((double) (bytes / 4 * 2) / bytes * 1.03)));

        policy.answered(a, new TranslatedResponse(new byte[0], "end_turn", new Usage(bytes, 3, 0, 0)));
        assertThat(policy.promptEstimate(a)).isEqualTo((long) Math.ceil(bytes * 1.03));
    }

    private static Attempt retried(Decision d) {
        assertThat(d).isInstanceOf(Decision.Retry.class);
        return ((Decision.Retry) d).next();
    }
}
