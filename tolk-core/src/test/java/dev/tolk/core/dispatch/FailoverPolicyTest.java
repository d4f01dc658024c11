package dev.tolk.core.dispatch;

import static dev.tolk.core.dispatch.DispatchFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.core.anthropic.ErrorType;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Failover as the transports see it: the policy's decisions after no answer or a 429/5xx on a fleet. */
class FailoverPolicyTest {
    private final Fleet fleet = new Fleet(List.of(new Fleet.Member("a", 1), new Fleet.Member("b", 1),
            new Fleet.Member("c", 1)), (i, m) -> true, RoutingPolicy.BOUNDED_AFFINITY, 1.25, 1,
            new RetryBudget(0.2, 2), () -> 0L);
    private final DispatchPolicy policy = new DispatchPolicy(true, m -> OptionalInt.empty(), fleet);

    @Test
    void noAnswerGoesToTheNextRankedUpstreamOnceAndEjectsTheFirst() {
        Attempt first = policy.first(request(100, false), RoutingHint.session("s"));
        assertThat(first.route().size()).isEqualTo(3);
        Decision d = policy.afterNoAnswer(first, "connection refused");
        assertThat(d).isInstanceOf(Decision.Retry.class);
        Attempt second = ((Decision.Retry) d).next();
        assertThat(second.upstream()).isEqualTo(first.route().at(1));
        assertThat(second.reason()).isEqualTo(RetryReason.FAILOVER);
        assertThat(second.request()).isSameAs(first.request());
        assertThat(fleet.member(first.upstream()).health().up()).isFalse();
        // one failover per request by default: the second failure is the client's error
        Decision again = policy.afterNoAnswer(second, "reset");
        assertThat(again).isInstanceOf(Decision.Fail.class);
        assertThat(((Decision.Fail) again).error().type()).isEqualTo(ErrorType.OVERLOADED);
    }

    @Test
    void statusesThatFailOverAndThoseThatDoNot() {
        for (int status : new int[] {429, 502, 503, 504, 529}) {
            Attempt a = policy.first(request(100, false), RoutingHint.session("s" + status));
            assertThat(policy.afterError(a, status, new byte[0], null)).as("HTTP " + status)
                    .isInstanceOf(Decision.Retry.class);
            fleet.members().forEach(m -> m.health().probeSucceeded());
            for (int i = 0; i < 5; i++) {
                policy.first(request(100, false)); // refill the budget
            }
        }
        Attempt a = policy.first(request(100, false), RoutingHint.session("x"));
        assertThat(policy.afterError(a, 500, new byte[0], null)).isInstanceOf(Decision.Fail.class);
        assertThat(policy.afterError(a, 400, DispatchFixtures.vllm("bad"), null)).isInstanceOf(Decision.Fail.class);
        assertThat(fleet.upNames()).hasSize(3); // a 500 or a 400 ejects no one
    }

    @Test
    void aRateLimitWithNowhereElseToGoReachesTheClientWithItsRetryAfter() {
        DispatchPolicy one = new DispatchPolicy(true, m -> OptionalInt.empty());
        Attempt a = one.first(request(100, false));
        Decision d = one.afterError(a, 429, DispatchFixtures.vllm("slow down"), "7");
        assertThat(d).isInstanceOf(Decision.Fail.class);
        assertThat(((Decision.Fail) d).error().type()).isEqualTo(ErrorType.RATE_LIMIT);
        assertThat(((Decision.Fail) d).error().retryAfterSeconds()).hasValue(7);
    }

    @Test
    void theBudgetStopsFailoverWhenEverythingFails() {
        int retries = 0;
        for (int i = 0; i < 100; i++) {
            Attempt a = policy.first(request(100, false), RoutingHint.session("s" + i));
            if (policy.afterNoAnswer(a, "down") instanceof Decision.Retry) {
                retries++;
            }
        }
        assertThat(retries).isBetween(20, 22); // a fifth of the requests plus the reserve of 2
    }
}
