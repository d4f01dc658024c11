package dev.tolk.core.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InMemoryKeyCountersTest {
    private static final long T0 = Instant.parse("2026-12-02T10:20:00Z").toEpochMilli();
    private final InMemoryKeyCounters counters = new InMemoryKeyCounters();

    private static ClientKey key(String name, int concurrent) {
        return new ClientKey(name, new KeyLimits(concurrent, 100, 0, 10_000, BudgetPeriod.DAY, 1, List.of()));
    }

    @Test
    void slotsAreTakenUpToMaxConcurrentAndComeBackAtEnd() {
        ClientKey k = key("a", 2);
        assertThat(counters.tryBegin(k, T0)).isTrue();
        assertThat(counters.tryBegin(k, T0)).isTrue();
        assertThat(counters.tryBegin(k, T0)).isFalse();
        assertThat(counters.usage(k, T0)).isEqualTo(new KeyUsage(2, 2, 0, 0)); // a refused begin counts nothing
        counters.end(k, 30, T0 + 1);
        assertThat(counters.usage(k, T0 + 1)).isEqualTo(new KeyUsage(1, 2, 30, 30));
        assertThat(counters.tryBegin(k, T0 + 2)).isTrue();
    }

    @Test
    void keysAreCountedApartAndAnUnknownKeyHasUsedNothing() {
        ClientKey a = key("a", 1);
        ClientKey b = key("b", 1);
        assertThat(counters.usage(a, T0)).isEqualTo(KeyUsage.NONE);
        assertThat(counters.tryBegin(a, T0)).isTrue();
        assertThat(counters.tryBegin(b, T0)).isTrue();
        assertThat(counters.usage(b, T0).inFlight()).isEqualTo(1);
    }

    @Test
    void theMinuteStartsAgainAtTheNextUtcMinuteAndTheBudgetAtTheNextPeriod() {
        ClientKey k = key("a", 0);
        counters.tryBegin(k, T0 + 59_000);
        counters.end(k, 500, T0 + 59_500);
        assertThat(counters.usage(k, T0 + 59_999)).isEqualTo(new KeyUsage(0, 1, 500, 500));
        assertThat(counters.usage(k, T0 + 60_000)).isEqualTo(new KeyUsage(0, 0, 0, 500));
        long tomorrow = Instant.parse("2026-12-03T00:00:00Z").toEpochMilli();
        assertThat(counters.usage(k, tomorrow)).isEqualTo(KeyUsage.NONE);
    }

    @Test
    void aRequestThatEndsInTheNextMinuteKeepsItsSlotAccounting() {
        ClientKey k = key("a", 1);
        assertThat(counters.tryBegin(k, T0 + 59_900)).isTrue();
        counters.end(k, 10, T0 + 60_100);
        assertThat(counters.usage(k, T0 + 60_100)).isEqualTo(new KeyUsage(0, 0, 10, 10));
        counters.end(k, 10, T0 + 60_200); // an extra end never drives the slots below zero
        assertThat(counters.usage(k, T0 + 60_200).inFlight()).isZero();
    }

    @Test
    void concurrentBeginsNeverTakeMoreThanMaxConcurrent() throws Exception {
        ClientKey k = key("a", 5);
        AtomicInteger granted = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        Thread[] threads = new Thread[16];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int j = 0; j < 100; j++) {
                    if (counters.tryBegin(k, T0)) {
                        granted.incrementAndGet();
                    }
                }
            });
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(granted).hasValue(5);
        assertThat(counters.usage(k, T0).inFlight()).isEqualTo(5);
    }
}
