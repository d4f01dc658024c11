package dev.tolk.core.keys;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;

/** How often a key's token budget renews: at the start of each UTC day, ISO week (Monday) or month. */
public enum BudgetPeriod {
    DAY, WEEK, MONTH;

    /** The start (epoch milliseconds) of the period that holds {@code epochMillis}: where its spending is counted. */
    public long startOf(long epochMillis) {
        LocalDate d = Instant.ofEpochMilli(epochMillis).atZone(ZoneOffset.UTC).toLocalDate();
        LocalDate start = switch (this) {
            case DAY -> d;
            case WEEK -> d.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> d.withDayOfMonth(1);
        };
        return start.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    /** When the period that holds {@code epochMillis} ends and the budget renews (epoch milliseconds). */
    public long renewsAt(long epochMillis) {
        LocalDate start = Instant.ofEpochMilli(startOf(epochMillis)).atZone(ZoneOffset.UTC).toLocalDate();
        LocalDate next = switch (this) {
            case DAY -> start.plusDays(1);
            case WEEK -> start.plusWeeks(1);
            case MONTH -> start.plusMonths(1);
        };
        return next.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }
}
