package dev.tolk.core.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class BudgetWindowTest {
    private static long at(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    @Test
    void periodsStartAtUtcDayMondayAndFirstOfMonth() {
        long wed = at("2026-12-02T23:59:59.999Z");
        assertThat(BudgetWindow.periodStart(BudgetPeriod.DAY, wed)).isEqualTo(at("2026-12-02T00:00:00Z"));
        assertThat(BudgetWindow.nextPeriodStart(BudgetPeriod.DAY, wed)).isEqualTo(at("2026-12-03T00:00:00Z"));
        assertThat(BudgetWindow.periodStart(BudgetPeriod.WEEK, wed)).isEqualTo(at("2026-11-30T00:00:00Z"));
        assertThat(BudgetWindow.nextPeriodStart(BudgetPeriod.WEEK, wed)).isEqualTo(at("2026-12-07T00:00:00Z"));
        assertThat(BudgetWindow.periodStart(BudgetPeriod.MONTH, wed)).isEqualTo(at("2026-12-01T00:00:00Z"));
        assertThat(BudgetWindow.nextPeriodStart(BudgetPeriod.MONTH, wed)).isEqualTo(at("2027-01-01T00:00:00Z"));
        long monday = at("2026-12-07T00:00:00Z"); // a period's first instant belongs to it
        assertThat(BudgetWindow.periodStart(BudgetPeriod.WEEK, monday)).isEqualTo(monday);
        assertThat(BudgetWindow.nextPeriodStart(BudgetPeriod.DAY, monday)).isEqualTo(at("2026-12-08T00:00:00Z"));
        assertThat(BudgetWindow.nextPeriodStart(BudgetPeriod.MONTH, at("2028-02-29T12:00:00Z")))
                .isEqualTo(at("2028-03-01T00:00:00Z"));
    }

    @Test
    void minutesAreUtcMinutesAndTheWaitIsRoundedUpToAtLeastOneSecond() {
        assertThat(BudgetWindow.minute(at("2026-12-02T10:20:59.999Z")))
                .isEqualTo(BudgetWindow.minute(at("2026-12-02T10:20:00Z")));
        assertThat(BudgetWindow.minute(at("2026-12-02T10:21:00Z")))
                .isEqualTo(BudgetWindow.minute(at("2026-12-02T10:20:00Z")) + 1);
        assertThat(BudgetWindow.secondsToNextMinute(at("2026-12-02T10:20:00Z"))).isEqualTo(60);
        assertThat(BudgetWindow.secondsToNextMinute(at("2026-12-02T10:20:59.999Z"))).isEqualTo(1);
        assertThat(BudgetWindow.secondsToNextMinute(at("2026-12-02T10:20:58.500Z"))).isEqualTo(2);
    }
}
