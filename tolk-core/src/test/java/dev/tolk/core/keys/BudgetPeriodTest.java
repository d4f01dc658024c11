package dev.tolk.core.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class BudgetPeriodTest {
    private static long at(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void aPeriodStartsAtMidnightUtcOnItsDayMondayOrFirstOfTheMonth() {
        long sunday = at("2026-12-06T14:30:00Z");
        assertThat(BudgetPeriod.DAY.startOf(sunday)).isEqualTo(at("2026-12-06T00:00:00Z"));
        assertThat(BudgetPeriod.WEEK.startOf(sunday)).isEqualTo(at("2026-11-30T00:00:00Z"));
        assertThat(BudgetPeriod.MONTH.startOf(sunday)).isEqualTo(at("2026-12-01T00:00:00Z"));
    }

    @Test
    void itRenewsWhenTheNextPeriodStarts() {
        long sunday = at("2026-12-06T14:30:00Z");
        assertThat(BudgetPeriod.DAY.renewsAt(sunday)).isEqualTo(at("2026-12-07T00:00:00Z"));
        assertThat(BudgetPeriod.WEEK.renewsAt(sunday)).isEqualTo(at("2026-12-07T00:00:00Z"));
        assertThat(BudgetPeriod.MONTH.renewsAt(sunday)).isEqualTo(at("2027-01-01T00:00:00Z"));
        long monday = at("2026-12-07T00:00:00Z");
        assertThat(BudgetPeriod.WEEK.startOf(monday)).isEqualTo(monday);
        assertThat(BudgetPeriod.WEEK.renewsAt(monday)).isEqualTo(at("2026-12-14T00:00:00Z"));
    }
}
