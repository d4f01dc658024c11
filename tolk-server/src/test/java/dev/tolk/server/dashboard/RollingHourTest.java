package dev.tolk.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RollingHourTest {
    private static final long T0 = 1_800_000_000_000L; // a minute boundary

    @Test
    void quantilesAreWithinTheBinWidthOfTheTruth() {
        RollingHour h = new RollingHour();
        for (int ms = 1; ms <= 1000; ms++) { // p50 = 500 ms, p90 = 900 ms
            h.add(T0 + ms, false, 100, 25, ms * 1_000_000L);
        }
        RollingHour.Summary s = h.summary(T0 + 2000);
        assertThat(s.ttftP50Millis()).isCloseTo(500, within(500 * 0.125));
        assertThat(s.ttftP90Millis()).isCloseTo(900, within(900 * 0.125));
        assertThat(s.requests()).isEqualTo(1000);
        assertThat(s.promptTokens()).isEqualTo(100_000);
        assertThat(s.cachedTokens()).isEqualTo(25_000);
        assertThat(s.requestsByMinute()[59]).isEqualTo(1000);
    }

    @Test
    void minutesOlderThanAnHourLeaveTheWindow() {
        RollingHour h = new RollingHour();
        h.add(T0, true, 10, 0, 2_000_000_000L); // 2 s, an error
        h.add(T0 + 30 * 60_000, false, 10, 10, 50_000_000L);
        RollingHour.Summary both = h.summary(T0 + 59 * 60_000);
        assertThat(both.requests()).isEqualTo(2);
        assertThat(both.errors()).isEqualTo(1);
        assertThat(both.requestsByMinute()[0]).isEqualTo(1);
        assertThat(both.ttftP50ByMinute()[0]).isCloseTo(2000, within(250.0));
        RollingHour.Summary later = h.summary(T0 + 60 * 60_000); // the first minute is an hour old
        assertThat(later.requests()).isEqualTo(1);
        assertThat(later.errors()).isZero();
        assertThat(later.ttftP90Millis()).isCloseTo(50, within(6.25));
        // its bucket is reused for the new minute, without the old counts
        h.add(T0 + 60 * 60_000, false, 1, 0, -1);
        assertThat(h.summary(T0 + 60 * 60_000).requests()).isEqualTo(2);
        assertThat(h.summary(T0 + 2 * 60 * 60_000).requests()).isZero();
        assertThat(h.summary(T0 + 2 * 60 * 60_000).ttftP50Millis()).isEqualTo(-1);
    }

    @Test
    void binsCoverFromUnderAMillisecondToHalfAnHour() {
        assertThat(RollingHour.bin(10_000)).isZero();
        for (int i = 1; i < RollingHour.BINS; i++) { // the bins are in order and each one's middle falls in it
            assertThat(RollingHour.binMillis(i)).isGreaterThan(RollingHour.binMillis(i - 1));
            assertThat(RollingHour.bin((long) (RollingHour.binMillis(i) * 1e6))).isEqualTo(i);
        }
        assertThat(RollingHour.bin(Long.MAX_VALUE)).isEqualTo(RollingHour.BINS - 1);
        for (long ms : new long[] {2, 3, 7, 40, 333, 4_000, 90_000, 1_800_000}) {
            assertThat(RollingHour.binMillis(RollingHour.bin(ms * 1_000_000))).isCloseTo(ms, within(ms * 0.125));
        }
    }
}
