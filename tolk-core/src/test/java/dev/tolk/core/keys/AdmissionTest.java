package dev.tolk.core.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.core.anthropic.ErrorType;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Every outcome of the admission decision, its order, its errors and the time each names. */
class AdmissionTest {
    /** Wednesday 2026-12-02 10:20:30.250 UTC. */
    private static final long NOW = Instant.parse("2026-12-02T10:20:30.250Z").toEpochMilli();

    private static KeyLimits limits(int concurrent, int rpm, long tpm, long budget, BudgetPeriod period,
                                    List<String> models) {
        return new KeyLimits(concurrent, rpm, tpm, budget, period, 1, models);
    }

    private static ClientKey key(KeyLimits l) {
        return new ClientKey("alice", l);
    }

    @Test
    void aKeyWithoutLimitsIsAdmittedWithoutAskingAnyCounter() {
        KeyCounters untouchable = new KeyCounters() {
            @Override
            public KeyUsage usage(ClientKey key, long nowMillis) {
                throw new AssertionError("usage asked");
            }

            @Override
            public boolean tryBegin(ClientKey key, long nowMillis) {
                throw new AssertionError("tryBegin asked");
            }

            @Override
            public void end(ClientKey key, long tokens, long nowMillis) {
                throw new AssertionError("end asked");
            }
        };
        assertThat(Admission.begin(untouchable, new ClientKey("k", KeyLimits.NONE), "claude-x",
                () -> { throw new AssertionError("estimate asked"); }, NOW)).isNull();
        assertThat(Admission.decide(new ClientKey("k", KeyLimits.NONE), new KeyUsage(99, 99, 99, 99), "m", 10, NOW))
                .isNull();
        // only model globs: checked, never counted
        ClientKey globs = key(limits(0, 0, 0, 0, null, List.of("claude-*")));
        assertThat(Admission.counted(globs.limits())).isFalse();
        assertThat(Admission.begin(untouchable, globs, "claude-sonnet", () -> 0, NOW)).isNull();
        assertThat(Admission.begin(untouchable, globs, "gpt-4", () -> 0, NOW).reason())
                .isEqualTo(Admission.Reason.MODEL);
    }

    @Test
    void withinEveryLimitIsAdmitted() {
        ClientKey k = key(limits(2, 10, 1000, 5000, BudgetPeriod.DAY, List.of("claude-*")));
        assertThat(Admission.decide(k, new KeyUsage(1, 9, 500, 4999), "claude-opus-5-5", 400, NOW)).isNull();
    }

    @Test
    void aModelOutsideTheGlobsIs403PermissionError() {
        ClientKey k = key(limits(0, 0, 0, 0, null, List.of("claude-haiku-*", "qwen?-8b")));
        assertThat(Admission.decide(k, KeyUsage.NONE, "claude-haiku-4-5", 0, NOW)).isNull();
        assertThat(Admission.decide(k, KeyUsage.NONE, "qwen3-8b", 0, NOW)).isNull();
        Admission.Refusal r = Admission.decide(k, KeyUsage.NONE, "claude-opus-5-5", 0, NOW);
        assertThat(r.reason()).isEqualTo(Admission.Reason.MODEL);
        assertThat(r.error().status()).isEqualTo(403);
        assertThat(r.error().type()).isEqualTo(ErrorType.PERMISSION);
        assertThat(r.error().message()).contains("alice", "claude-opus-5-5", "claude-haiku-*, qwen?-8b");
        assertThat(r.error().retryAfterSeconds()).isEmpty();
        assertThat(Admission.decide(k, KeyUsage.NONE, null, 0, NOW).reason()).isEqualTo(Admission.Reason.MODEL);
    }

    @Test
    void globsMatchStarAndQuestionMarkOverTheWholeName() {
        assertThat(Admission.globMatches("*", "")).isTrue();
        assertThat(Admission.globMatches("*", "anything")).isTrue();
        assertThat(Admission.globMatches("claude-*", "claude-")).isTrue();
        assertThat(Admission.globMatches("claude-*", "xclaude-opus")).isFalse();
        assertThat(Admission.globMatches("*haiku*", "claude-haiku-5-5")).isTrue();
        assertThat(Admission.globMatches("*haiku", "claude-haiku-5-5")).isFalse();
        assertThat(Admission.globMatches("a?c", "abc")).isTrue();
        assertThat(Admission.globMatches("a?c", "ac")).isFalse();
        assertThat(Admission.globMatches("a*b*c", "aXbYbZc")).isTrue();
        assertThat(Admission.globMatches("a*b*c", "aXbYbZ")).isFalse();
        assertThat(Admission.globMatches("exact", "exact")).isTrue();
        assertThat(Admission.globMatches("exact", "exactly")).isFalse();
    }

    @Test
    void aSpentBudgetIs402BillingErrorNamingTheBudgetAndWhenItRenews() {
        ClientKey day = key(limits(0, 0, 0, 1000, BudgetPeriod.DAY, List.of()));
        assertThat(Admission.decide(day, new KeyUsage(0, 0, 0, 999), "m", 5000, NOW)).isNull();
        Admission.Refusal r = Admission.decide(day, new KeyUsage(0, 0, 0, 1000), "m", 0, NOW);
        assertThat(r.reason()).isEqualTo(Admission.Reason.BUDGET);
        assertThat(r.error().status()).isEqualTo(402).isEqualTo(Admission.BUDGET_STATUS);
        assertThat(r.error().type()).isEqualTo(ErrorType.BILLING);
        assertThat(r.error().retryAfterSeconds()).isEmpty(); // nothing to wait for within the period
        assertThat(r.error().message()).isEqualTo("key alice has spent its daily token budget of 1000 tokens; "
                + "it renews at 2026-12-03T00:00:00Z (UTC)");
        ClientKey week = key(limits(0, 0, 0, 1000, BudgetPeriod.WEEK, List.of()));
        assertThat(Admission.decide(week, new KeyUsage(0, 0, 0, 1500), "m", 0, NOW).error().message())
                .contains("weekly", "2026-12-07T00:00:00Z"); // the next Monday
        ClientKey month = key(limits(0, 0, 0, 1000, BudgetPeriod.MONTH, List.of()));
        assertThat(Admission.decide(month, new KeyUsage(0, 0, 0, 1000), "m", 0, NOW).error().message())
                .contains("monthly", "2027-01-01T00:00:00Z");
    }

    @Test
    void overMaxConcurrentIs429WithRetryAfterOneSecond() {
        ClientKey k = key(limits(2, 0, 0, 0, null, List.of()));
        assertThat(Admission.decide(k, new KeyUsage(1, 0, 0, 0), "m", 0, NOW)).isNull();
        Admission.Refusal r = Admission.decide(k, new KeyUsage(2, 0, 0, 0), "m", 0, NOW);
        assertThat(r.reason()).isEqualTo(Admission.Reason.CONCURRENT);
        assertThat(r.error().status()).isEqualTo(429);
        assertThat(r.error().type()).isEqualTo(ErrorType.RATE_LIMIT);
        assertThat(r.error().retryAfterSeconds()).hasValue(1);
        assertThat(r.error().message()).contains("2 requests in flight", "max-concurrent");
        assertThat(Admission.overConcurrent(k)).isEqualTo(r);
    }

    @Test
    void overRequestsPerMinuteIs429UntilTheNextMinute() {
        ClientKey k = key(limits(0, 10, 0, 0, null, List.of()));
        assertThat(Admission.decide(k, new KeyUsage(0, 9, 0, 0), "m", 0, NOW)).isNull();
        Admission.Refusal r = Admission.decide(k, new KeyUsage(0, 10, 0, 0), "m", 0, NOW);
        assertThat(r.reason()).isEqualTo(Admission.Reason.REQUESTS_PER_MINUTE);
        assertThat(r.error().status()).isEqualTo(429);
        assertThat(r.error().retryAfterSeconds()).hasValue(30); // 10:20:30.250 → 10:21:00 is 29.75 s, rounded up
        assertThat(r.error().message()).contains("10 requests per minute");
    }

    @Test
    void overTokensPerMinuteCountsTheMinuteAndThisRequestsPromptButNotMaxTokens() {
        ClientKey k = key(limits(0, 0, 1000, 0, null, List.of()));
        assertThat(Admission.decide(k, new KeyUsage(0, 0, 600, 0), "m", 400, NOW)).isNull();
        Admission.Refusal r = Admission.decide(k, new KeyUsage(0, 0, 600, 0), "m", 401, NOW);
        assertThat(r.reason()).isEqualTo(Admission.Reason.TOKENS_PER_MINUTE);
        assertThat(r.error().retryAfterSeconds()).hasValue(30);
        assertThat(r.error().message()).contains("1000 tokens per minute", "600 used", "401");
        // a prompt larger than the whole allowance runs in a minute with nothing used yet, else it never could
        assertThat(Admission.decide(k, KeyUsage.NONE, "m", 50_000, NOW)).isNull();
        assertThat(Admission.decide(k, new KeyUsage(0, 0, 1, 0), "m", 50_000, NOW).reason())
                .isEqualTo(Admission.Reason.TOKENS_PER_MINUTE);
    }

    @Test
    void theFirstFailingCheckAnswersInOrderModelBudgetConcurrentRpmTpm() {
        ClientKey k = key(limits(1, 1, 1, 1, BudgetPeriod.DAY, List.of("claude-*")));
        KeyUsage everything = new KeyUsage(5, 5, 5, 5);
        assertThat(Admission.decide(k, everything, "gpt", 5, NOW).reason()).isEqualTo(Admission.Reason.MODEL);
        assertThat(Admission.decide(k, everything, "claude-x", 5, NOW).reason()).isEqualTo(Admission.Reason.BUDGET);
        assertThat(Admission.decide(k, new KeyUsage(5, 5, 5, 0), "claude-x", 5, NOW).reason())
                .isEqualTo(Admission.Reason.CONCURRENT);
        assertThat(Admission.decide(k, new KeyUsage(0, 5, 5, 0), "claude-x", 5, NOW).reason())
                .isEqualTo(Admission.Reason.REQUESTS_PER_MINUTE);
        assertThat(Admission.decide(k, new KeyUsage(0, 0, 5, 0), "claude-x", 5, NOW).reason())
                .isEqualTo(Admission.Reason.TOKENS_PER_MINUTE);
    }

    @Test
    void beginTakesASlotOnlyWhenAdmittedAndAsksForTheEstimateOnlyWithATokenLimit() {
        InMemoryKeyCounters counters = new InMemoryKeyCounters();
        ClientKey k = key(limits(1, 0, 0, 0, null, List.of()));
        AtomicInteger estimates = new AtomicInteger();
        assertThat(Admission.begin(counters, k, "m", () -> estimates.incrementAndGet(), NOW)).isNull();
        assertThat(counters.usage(k, NOW).inFlight()).isEqualTo(1);
        assertThat(Admission.begin(counters, k, "m", () -> estimates.incrementAndGet(), NOW).reason())
                .isEqualTo(Admission.Reason.CONCURRENT);
        assertThat(counters.usage(k, NOW).inFlight()).isEqualTo(1);
        assertThat(estimates).hasValue(0);
        counters.end(k, 10, NOW);
        ClientKey t = key(limits(0, 0, 100, 0, null, List.of()));
        assertThat(Admission.begin(counters, t, "m", () -> estimates.incrementAndGet(), NOW)).isNull();
        assertThat(estimates).hasValue(1);
    }

    @Test
    void aRaceLostAtTryBeginIsTheSame429() {
        ClientKey k = key(limits(1, 0, 0, 0, null, List.of()));
        KeyCounters stale = new KeyCounters() { // usage says free, the slot is gone by tryBegin
            @Override
            public KeyUsage usage(ClientKey key, long nowMillis) {
                return KeyUsage.NONE;
            }

            @Override
            public boolean tryBegin(ClientKey key, long nowMillis) {
                return false;
            }

            @Override
            public void end(ClientKey key, long tokens, long nowMillis) {}
        };
        assertThat(Admission.begin(stale, k, "m", () -> 0, NOW)).isEqualTo(Admission.overConcurrent(k));
    }
}
