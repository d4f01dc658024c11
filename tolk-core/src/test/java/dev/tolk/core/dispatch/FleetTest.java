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
    void scrapedVllmLoadCountsAndGoesStale() {
        Fleet f = fleet(RoutingPolicy.BOUNDED_AFFINITY, "a", "b");
        int home = f.route("m", session("x"), CHAT).at(0);
        f.member(home).load().scraped(new UpstreamLoad.Scraped(8, 4, 0.9, clock.get()));
        // 16.9 + 1 > max(4, ⌈1.25 × 17.9 / 2⌉ = 12)
        assertThat(f.member(home).load().value(clock.get())).isEqualTo(12 + 4 + 0.9);
        assertThat(f.route("m", session("x"), CHAT).at(0)).isEqualTo(1 - home);
        clock.addAndGet(UpstreamLoad.STALE_NANOS + 1);
        assertThat(f.route("m", session("x"), CHAT).at(0)).isEqualTo(home);
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
