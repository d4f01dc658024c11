package dev.tolk.core.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.core.openai.request.ChatCompletionRequest;
import dev.tolk.core.openai.request.ChatMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Routing over a fleet without sockets: ranking, spread, the load bound, health, serving, pinning, the policies. */
class FleetTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
    private static final ChatCompletionRequest CHAT = ChatCompletionRequest.builder("m",
            List.of(ChatMessage.user("hi"))).build();

    private Fleet fleet(RoutingPolicy policy, String... names) {
        List<Fleet.Member> members = new ArrayList<>();
        for (String n : names) {
            members.add(new Fleet.Member(n, 1));
        }
        return new Fleet(members, (i, m) -> true, policy, 1.25, 1, RetryBudget.defaults(), clock::get);
    }

    private static RoutingHint session(String s) {
        return RoutingHint.session(s);
    }

    @Test
    void aConversationAlwaysRanksTheSameAndTwoFleetsWithTheSameNamesAgree() {
        Fleet a = fleet(RoutingPolicy.AFFINITY, "gpu-a", "gpu-b", "gpu-c", "gpu-d");
        Fleet b = fleet(RoutingPolicy.AFFINITY, "gpu-a", "gpu-b", "gpu-c", "gpu-d");
        for (int s = 0; s < 50; s++) {
            String key = "session-" + s;
            assertThat(a.route("m", session(key), CHAT).toString())
                    .isEqualTo(a.route("m", session(key), CHAT).toString())
                    .isEqualTo(b.route("m", session(key), CHAT).toString());
        }
    }

    @Test
    void conversationsSpreadEvenlyAndMostKeepTheirUpstreamWhenOneLeaves() {
        Fleet four = fleet(RoutingPolicy.AFFINITY, "a", "b", "c", "d");
        Fleet three = fleet(RoutingPolicy.AFFINITY, "a", "b", "c");
        int[] count = new int[4];
        int moved = 0;
        for (int s = 0; s < 4000; s++) {
            int first = four.route("m", session("s" + s), CHAT).at(0);
            count[first]++;
            if (first != 3 && three.route("m", session("s" + s), CHAT).at(0) != first) {
                moved++;
            }
        }
        assertThat(java.util.Arrays.stream(count).boxed().toList()).allSatisfy(c -> assertThat(c).isBetween(850, 1150));
        assertThat(moved).isZero(); // only d's conversations move when d leaves
    }

    @Test
    void weightsShareConversationsInProportion() {
        Fleet f = new Fleet(List.of(new Fleet.Member("big", 3), new Fleet.Member("small", 1)), (i, m) -> true,
                RoutingPolicy.AFFINITY, 1.25, 1, RetryBudget.defaults(), clock::get);
        int big = 0;
        for (int s = 0; s < 4000; s++) {
            if (f.route("m", session("s" + s), CHAT).at(0) == 0) {
                big++;
            }
        }
        assertThat(big).isBetween(2850, 3150);
    }

    @Test
    void aHotUpstreamSpillsToTheConversationsNextRankedOne() {
        Fleet f = fleet(RoutingPolicy.BOUNDED_AFFINITY, "a", "b", "c", "d");
        Route calm = f.route("m", session("x"), CHAT);
        int home = calm.at(0);
        for (int i = 0; i < 3; i++) {
            f.member(home).load().begin();
        }
        assertThat(f.route("m", session("x"), CHAT).at(0)).as("3 + 1 ≤ the minimum capacity").isEqualTo(home);
        for (int i = 0; i < 7; i++) {
            f.member(home).load().begin();
        }
        // total 10, capacity max(4, ⌈1.25 × 11 / 4⌉ = 4): home (10) is over it, the next-ranked (0) is within
        Route hot = f.route("m", session("x"), CHAT);
        assertThat(hot.at(0)).isEqualTo(calm.at(1));
        assertThat(hot.size()).isEqualTo(4);
        Fleet unbounded = fleet(RoutingPolicy.AFFINITY, "a", "b", "c", "d");
        for (int i = 0; i < 10; i++) {
            unbounded.member(home).load().begin();
        }
        assertThat(unbounded.route("m", session("x"), CHAT).at(0)).isEqualTo(home);
    }

    @Test
    void theBoundKeepsAConversationHomeUnderAnEvenLoad() {
        Fleet f = fleet(RoutingPolicy.BOUNDED_AFFINITY, "a", "b", "c", "d");
        int home = f.route("m", session("x"), CHAT).at(0);
        for (int u = 0; u < 4; u++) {
            for (int i = 0; i < 5; i++) {
                f.member(u).load().begin();
            }
        }
        f.member(home).load().begin(); // one more than the others: 6 + 1 ≤ ⌈1.25 × 22 / 4⌉ = 7
        assertThat(f.route("m", session("x"), CHAT).at(0)).isEqualTo(home);
        f.member(home).load().begin(); // 7 + 1 > ⌈1.25 × 23 / 4⌉ = 8? no: 8 ≤ 8
        assertThat(f.route("m", session("x"), CHAT).at(0)).isEqualTo(home);
        f.member(home).load().begin(); // 8 + 1 > ⌈1.25 × 24 / 4⌉ = 8
        assertThat(f.route("m", session("x"), CHAT).at(0)).isNotEqualTo(home);
    }

    @Test
    void scrapedVllmLoadAddsOnlyWhatItSawBeyondThisTolksOwnRequestsAndGoesStale() {
        Fleet f = fleet(RoutingPolicy.BOUNDED_AFFINITY, "a", "b");
        int home = f.route("m", session("x"), CHAT).at(0);
        UpstreamLoad load = f.member(home).load();
        load.begin();
        load.begin();
        load.scraped(new UpstreamLoad.Scraped(8, 4, 0.9, clock.get())); // 2 of those 12 were this Tolk's
        assertThat(load.value(clock.get())).isEqualTo(2 + 10 + 0.9);
        load.end();
        load.end(); // ended after the scrape: they stop counting at once, the other replicas' 10 stay
        assertThat(load.value(clock.get())).isEqualTo(10 + 0.9);
        load.begin(); // sent since the scrape: counts at once
        assertThat(load.value(clock.get())).isEqualTo(1 + 10 + 0.9);
        // 11.9 + 1 > max(4, ⌈1.25 × 12.9 / 2⌉ = 9): the conversation spills
        int spilled = f.route("m", session("x"), CHAT).at(0);
        assertThat(spilled).isEqualTo(1 - home);
        load.scraped(new UpstreamLoad.Scraped(3, 0, 0.5, clock.get())); // only this Tolk's request
        assertThat(load.value(clock.get())).isEqualTo(1 + 2 + 0.5);
        load.scraped(new UpstreamLoad.Scraped(1, 0, 0.5, clock.get()));
        assertThat(load.value(clock.get())).as("never below this Tolk's own count").isEqualTo(1 + 0.5);
        clock.addAndGet(UpstreamLoad.STALE_NANOS + 1);
        assertThat(load.value(clock.get())).isEqualTo(1);
    }

    @Test
    void aConversationStaysWhereItWasSentLastAfterASpill() {
        Fleet f = fleet(RoutingPolicy.BOUNDED_AFFINITY, "a", "b", "c", "d");
        Route calm = f.route("m", session("x"), CHAT);
        int home = calm.at(0);
        for (int i = 0; i < 10; i++) {
            f.member(home).load().begin();
        }
        int spilled = f.route("m", session("x"), CHAT).at(0);
        assertThat(spilled).as("its next-ranked upstream").isEqualTo(calm.at(1));
        for (int i = 0; i < 10; i++) {
            f.member(home).load().end();
        }
        // home has cooled down, but the conversation's whole prompt is cached where its last turn went
        for (int turn = 0; turn < 3; turn++) {
            Route r = f.route("m", session("x"), CHAT);
            assertThat(r.at(0)).isEqualTo(spilled);
            assertThat(r.at(1)).as("then its ranking").isEqualTo(home);
        }
        // forgotten after a long silence: ranked afresh
        clock.addAndGet(RecentConversations.REMEMBER_NANOS + 1);
        assertThat(f.route("m", session("x"), CHAT).at(0)).isEqualTo(home);
    }

    @Test
    void newConversationsGoWhereTheFewestAreActiveAndTheFirstInTheRankingAmongEquals() {
        Fleet f = fleet(RoutingPolicy.BOUNDED_AFFINITY, "a", "b", "c", "d");
        Fleet plain = fleet(RoutingPolicy.AFFINITY, "a", "b", "c", "d");
        assertThat(f.route("m", session("first"), CHAT).at(0)).as("an idle fleet: the ranking decides, as in every "
                + "replica").isEqualTo(plain.route("m", session("first"), CHAT).at(0));
        int[] count = new int[4];
        count[f.route("m", session("first"), CHAT).at(0)]++;
        for (int s = 1; s < 32; s++) {
            count[f.route("m", session("s" + s), CHAT).at(0)]++;
        }
        assertThat(count).containsExactly(8, 8, 8, 8);
        for (int s = 0; s < 32; s++) { // and their later turns stay where they went
            Route r = f.route("m", session(s == 0 ? "first" : "s" + s), CHAT);
            count[r.at(0)]++;
        }
        assertThat(count).containsExactly(16, 16, 16, 16);
        // a minute later none is active any more: a new conversation goes by its ranking again
        clock.addAndGet(RecentConversations.ACTIVE_NANOS + 1_000_000_000L);
        assertThat(f.route("m", session("late"), CHAT).at(0)).isEqualTo(plain.route("m", session("late"), CHAT).at(0));
    }

    @Test
    void aFailedOverConversationStaysOnTheUpstreamThatAnswered() {
        Fleet f = fleet(RoutingPolicy.BOUNDED_AFFINITY, "a", "b", "c");
        DispatchPolicy policy = new DispatchPolicy(true, m -> java.util.OptionalInt.empty(), f);
        Attempt first = policy.first(DispatchFixtures.request(100, false), session("x"));
        Decision d = policy.afterNoAnswer(first, "connection refused");
        assertThat(d).isInstanceOf(Decision.Retry.class);
        int answered = ((Decision.Retry) d).next().upstream();
        f.member(first.upstream()).health().probeSucceeded(); // back at once
        assertThat(policy.first(DispatchFixtures.request(100, false), session("x")).upstream()).isEqualTo(answered);
    }

    @Test
    void ejectedUpstreamsAreLeftOutUnlessEveryoneIs() {
        Fleet f = fleet(RoutingPolicy.AFFINITY, "a", "b", "c");
        Route r = f.route("m", session("x"), CHAT);
        f.failed(r.at(0));
        Route without = f.route("m", session("x"), CHAT);
        assertThat(without.size()).isEqualTo(2);
        assertThat(without.at(0)).isEqualTo(r.at(1));
        f.failed(r.at(1));
        f.failed(r.at(2));
        assertThat(f.route("m", session("x"), CHAT).size()).isEqualTo(3);
    }

    @Test
    void onlyUpstreamsServingTheModelAreChosen() {
        Map<Integer, Set<String>> serves = new HashMap<>(Map.of(0, Set.of("m"), 1, Set.of("other"), 2, Set.of("m")));
        Fleet f = new Fleet(List.of(new Fleet.Member("a", 1), new Fleet.Member("b", 1), new Fleet.Member("c", 1)),
                (i, m) -> serves.get(i).contains(m), RoutingPolicy.BOUNDED_AFFINITY, 1.25, 1,
                RetryBudget.defaults(), clock::get);
        Set<Integer> used = new HashSet<>();
        for (int s = 0; s < 100; s++) {
            Route r = f.route("m", session("s" + s), CHAT);
            assertThat(r.size()).isEqualTo(2);
            used.add(r.at(0));
        }
        assertThat(used).containsExactlyInAnyOrder(0, 2);
        assertThat(f.route("unknown", session("s"), CHAT).size()).isEqualTo(3);
    }

    @Test
    void aPinnedUpstreamGoesFirstWhileItIsUp() {
        Fleet f = fleet(RoutingPolicy.BOUNDED_AFFINITY, "a", "b", "c");
        for (String pin : List.of("a", "b", "c")) {
            Route r = f.route("m", new RoutingHint(null, "thread-1", pin), CHAT);
            assertThat(f.member(r.at(0)).name()).isEqualTo(pin);
            assertThat(r.size()).isEqualTo(3);
        }
        f.failed(f.indexOf("b"));
        assertThat(f.member(f.route("m", new RoutingHint(null, "t", "b"), CHAT).at(0)).name()).isNotEqualTo("b");
    }

    @Test
    void aPinnedUpstreamWinsOverTheBoundAndEveryPolicyButNotWhenItCannotServe() {
        for (RoutingPolicy p : RoutingPolicy.values()) {
            Fleet f = fleet(p, "a", "b", "c");
            for (int i = 0; i < 40; i++) {
                f.member(f.indexOf("a")).load().begin(); // far over the bound of (40 + 1) × 1.25 / 3
            }
            Route r = f.route("m", new RoutingHint("s", "thread-1", "a"), CHAT);
            assertThat(f.member(r.at(0)).name()).as(p.name()).isEqualTo("a");
            assertThat(r.size()).isEqualTo(3); // the others are still where it fails over to
        }
        Fleet notServing = new Fleet(List.of(new Fleet.Member("a", 1), new Fleet.Member("b", 1),
                new Fleet.Member("c", 1)), (i, m) -> i != 0, RoutingPolicy.BOUNDED_AFFINITY, 1.25, 1,
                RetryBudget.defaults(), clock::get);
        Route r = notServing.route("m", new RoutingHint(null, "thread-1", "a"), CHAT);
        assertThat(r.size()).isEqualTo(2);
        assertThat(notServing.member(r.at(0)).name()).isNotEqualTo("a");
    }

    @Test
    void withoutItsPinAThreadRanksByItsKeyWhateverTheSessionOrContent() {
        Fleet f = fleet(RoutingPolicy.AFFINITY, "a", "b", "c", "d");
        ChatCompletionRequest other = ChatCompletionRequest.builder("m", List.of(ChatMessage.user("another start")))
                .build();
        Set<String> orders = new HashSet<>();
        for (String session : new String[] {null, "s1", "s2"}) {
            orders.add(f.route("m", new RoutingHint(session, "msg_thread", null), CHAT).toString());
            orders.add(f.route("m", new RoutingHint(session, "msg_thread", null), other).toString());
        }
        assertThat(orders).hasSize(1);
        Set<Integer> firsts = new HashSet<>(); // and it is a real key: threads spread over the fleet
        for (int t = 0; t < 40; t++) {
            firsts.add(f.route("m", new RoutingHint(null, "msg_" + t, null), CHAT).at(0));
        }
        assertThat(firsts).hasSize(4);
    }

    @Test
    void roundRobinTakesTurnsAndLeastLoadedTakesTheEmptiest() {
        Fleet rr = fleet(RoutingPolicy.ROUND_ROBIN, "a", "b", "c");
        assertThat(List.of(rr.route("m", session("x"), CHAT).at(0), rr.route("m", session("x"), CHAT).at(0),
                rr.route("m", session("x"), CHAT).at(0), rr.route("m", session("x"), CHAT).at(0)))
                .containsExactly(0, 1, 2, 0);
        Fleet ll = fleet(RoutingPolicy.LEAST_LOADED, "a", "b", "c");
        ll.member(0).load().begin();
        ll.member(0).load().begin();
        ll.member(2).load().begin();
        Route r = ll.route("m", session("x"), CHAT);
        assertThat(List.of(r.at(0), r.at(1), r.at(2))).containsExactly(1, 2, 0);
    }

    @Test
    void oneUpstreamNeedsNoRanking() {
        Fleet one = fleet(RoutingPolicy.BOUNDED_AFFINITY, "only");
        assertThat(one.route("m", session("x"), CHAT)).isSameAs(Route.SINGLE);
    }
}
