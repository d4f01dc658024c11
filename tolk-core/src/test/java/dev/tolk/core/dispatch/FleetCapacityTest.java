package dev.tolk.core.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.core.openai.request.ChatCompletionRequest;
import dev.tolk.core.openai.request.ChatMessage;
import dev.tolk.core.openai.request.ChatRequestWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Capacities: when the fleet is saturated for a model (the fair queue's question) and where a request goes then. */
class FleetCapacityTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
    private static final ChatCompletionRequest CHAT = ChatCompletionRequest.builder("m",
            List.of(ChatMessage.user("hi"))).build();

    private Fleet fleet(Fleet.Serving serving, int... capacities) {
        List<Fleet.Member> members = new java.util.ArrayList<>();
        for (int i = 0; i < capacities.length; i++) {
            members.add(new Fleet.Member("u" + i, 1, capacities[i]));
        }
        return new Fleet(members, serving, RoutingPolicy.BOUNDED_AFFINITY, 1.25, 1, RetryBudget.defaults(),
                clock::get);
    }

    private static void begin(Fleet f, int upstream, int n) {
        for (int i = 0; i < n; i++) {
            f.member(upstream).load().begin();
        }
    }

    @Test
    void withoutCapacitiesTheFleetIsNeverSaturated() {
        Fleet f = fleet((i, m) -> true, 0, 0);
        begin(f, 0, 500);
        begin(f, 1, 500);
        assertThat(f.bounded()).isFalse();
        assertThat(f.room("m")).isEqualTo(Integer.MAX_VALUE);
        assertThat(f.saturated("m")).isFalse();
        Fleet mixed = fleet((i, m) -> true, 2, 0); // one upstream without a capacity is never full
        begin(mixed, 0, 2);
        assertThat(mixed.saturated("m")).isFalse();
    }

    @Test
    void roomIsTheFreeSlotsOfTheUpstreamsServingTheModel() {
        Fleet f = fleet((i, m) -> m.equals("big") ? i < 2 : i == 2, 2, 3, 4);
        assertThat(f.room("big")).isEqualTo(5);
        assertThat(f.room("small")).isEqualTo(4);
        begin(f, 0, 2);
        begin(f, 1, 2);
        assertThat(f.room("big")).isEqualTo(1);
        begin(f, 1, 1);
        assertThat(f.saturated("big")).isTrue();
        assertThat(f.saturated("small")).isFalse();
        begin(f, 0, 3); // over capacity counts as no room, not less than none
        assertThat(f.room("big")).isZero();
        f.member(1).load().end();
        assertThat(f.room("big")).isEqualTo(1);
        Fleet none = fleet((i, m) -> false, 2, 3);
        none.member(0).load().begin();
        assertThat(none.room("m")).isEqualTo(1 + 3); // nobody is known to serve it: every upstream may be tried
    }

    @Test
    void anEjectedUpstreamsRoomDoesNotCountWhileAnotherIsUp() {
        Fleet f = fleet((i, m) -> true, 2, 2);
        f.failed(1);
        assertThat(f.room("m")).isEqualTo(2);
        begin(f, 0, 2);
        assertThat(f.saturated("m")).isTrue();
    }

    @Test
    void roomCountsThisTollksRequestsAsTheyAreNowAndOtherReplicasFromTheScrape() {
        Fleet f = fleet((i, m) -> true, 6);
        begin(f, 0, 5);
        // the scrape saw this Tolk's 5 and 0.9 of KV cache: no other replica, and the tie-breaker costs no slot
        f.member(0).load().scraped(new UpstreamLoad.Scraped(5, 0, 0.9, clock.get()));
        assertThat(f.room("m")).isEqualTo(1);
        f.member(0).load().end(); // ended since the scrape: its slot is free at once
        f.member(0).load().end();
        assertThat(f.room("m")).isEqualTo(3);
        // another replica's 2 requests, seen by the next scrape
        f.member(0).load().scraped(new UpstreamLoad.Scraped(4, 1, 0.5, clock.get()));
        assertThat(f.room("m")).isEqualTo(1);
        clock.addAndGet(UpstreamLoad.STALE_NANOS + 1); // a stale scrape no longer counts
        assertThat(f.room("m")).isEqualTo(3);
    }

    @Test
    void aRequestGoesToAnUpstreamWithRoomWhenItsFirstChoiceIsFull() {
        for (RoutingPolicy policy : RoutingPolicy.values()) {
            for (int s = 0; s < 20; s++) {
                Fleet f = new Fleet(List.of(new Fleet.Member("u0", 1, 2), new Fleet.Member("u1", 1, 2),
                        new Fleet.Member("u2", 1, 2)), (i, m) -> true, policy, 1.25, 1, RetryBudget.defaults(),
                        clock::get);
                int first = f.route("m", RoutingHint.session("s" + s), CHAT).at(0);
                begin(f, first, 2);
                Route again = f.route("m", RoutingHint.session("s" + s), CHAT);
                assertThat(again.at(0)).as(policy + " s" + s).isNotEqualTo(first);
                assertThat(again.at(again.size() - 1) == first || again.size() == 3).isTrue();
            }
        }
    }

    @Test
    void vllmPriorityIsWrittenOnlyWhenSet() {
        String plain = new String(ChatRequestWriter.toJson(CHAT), StandardCharsets.UTF_8);
        assertThat(plain).doesNotContain("priority");
        String prioritized = new String(ChatRequestWriter.toJson(CHAT.withPriority(-2)), StandardCharsets.UTF_8);
        assertThat(prioritized).contains("\"priority\":-2");
    }
}
