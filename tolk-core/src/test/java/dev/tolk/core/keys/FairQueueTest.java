package dev.tolk.core.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FairQueueTest {
    private static List<String> drain(FairQueue<String> q) {
        List<String> out = new ArrayList<>();
        for (String s; (s = q.poll()) != null; ) {
            out.add(s);
        }
        return out;
    }

    @Test
    void emptyQueuePollsNull() {
        FairQueue<String> q = new FairQueue<>();
        assertThat(q.poll()).isNull();
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void oneKeyIsFirstComeFirstServed() {
        FairQueue<String> q = new FairQueue<>();
        for (int i = 0; i < 5; i++) {
            q.add("big", 1, "big" + i);
        }
        assertThat(drain(q)).containsExactly("big0", "big1", "big2", "big3", "big4");
    }

    @Test
    void aBigKeyDoesNotGoFirstBecauseItCameFirst() {
        FairQueue<String> q = new FairQueue<>();
        for (int i = 0; i < 20; i++) {
            q.add("big", 1, "big" + i);
        }
        for (int i = 1; i <= 4; i++) {
            q.add("small" + i, 1, "small" + i);
        }
        List<String> order = drain(q);
        // the four small keys are all out within the first five releases, one per turn
        assertThat(order.subList(0, 5)).containsExactly("big0", "small1", "small2", "small3", "small4");
        assertThat(order).hasSize(24);
    }

    @Test
    void priorityIsTheShareOfEachTurn() {
        FairQueue<String> q = new FairQueue<>();
        for (int i = 0; i < 30; i++) {
            q.add("gold", 3, "g");
            q.add("plain", 1, "p");
        }
        List<String> first = drain(q).subList(0, 24);
        Map<String, Integer> counts = new HashMap<>();
        first.forEach(s -> counts.merge(s, 1, Integer::sum));
        assertThat(counts).containsEntry("g", 18).containsEntry("p", 6); // 3 : 1
        assertThat(String.join("", first.subList(0, 8))).isEqualTo("gggpgggp");
    }

    @Test
    void aKeyThatStopsWaitingKeepsNoCreditAndRejoinsAtTheBack() {
        FairQueue<String> q = new FairQueue<>();
        q.add("a", 2, "a1");
        q.add("b", 1, "b1");
        q.add("b", 1, "b2");
        assertThat(q.poll()).isEqualTo("a1"); // a leaves with one credit unused
        q.add("a", 2, "a2");                    // back behind b
        assertThat(drain(q)).containsExactly("b1", "a2", "b2");
    }

    @Test
    void removeTakesOutAHeldRequestAndAnEmptiedKeyLeavesTheRound() {
        FairQueue<String> q = new FairQueue<>();
        q.add("a", 1, "a1");
        q.add("b", 1, "b1");
        q.add("c", 1, "c1");
        q.add("c", 1, "c2");
        assertThat(q.remove("b", "b1")).isTrue();
        assertThat(q.remove("b", "b1")).isFalse();
        assertThat(q.remove("zzz", "a1")).isFalse();
        assertThat(q.waiting("c")).isEqualTo(2);
        assertThat(q.size()).isEqualTo(3);
        assertThat(q.poll()).isEqualTo("a1");
        assertThat(q.poll()).isEqualTo("c1");
        assertThat(q.remove("c", "c2")).isTrue(); // the key whose turn it is
        assertThat(q.isEmpty()).isTrue();
        q.add("d", 1, "d1");
        assertThat(q.poll()).isEqualTo("d1");
    }
}
