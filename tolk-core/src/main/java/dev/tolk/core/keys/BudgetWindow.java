package dev.tolk.core.keys;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;

/**
 * The periods a token budget and the per-minute limits are counted in, all in UTC: a budget renews at the start of
 * each day, ISO week (Monday 00:00) or month; the per-minute counters are whole UTC minutes. The counters
 * ({@link KeyCounters}) and the admission decision ({@link Admission}) use the same periods, so the time a refusal
 * names is when the counter it was refused on starts again from zero.
 */
public final class BudgetWindow {
    public static final long MINUTE_MILLIS = 60_000;

    private BudgetWindow() {}

    /** The start (epoch ms) of the budget period that contains {@code nowMillis}. */
    public static long periodStart(BudgetPeriod period, long nowMillis) {
        LocalDate day = Instant.ofEpochMilli(nowMillis).atOffset(ZoneOffset.UTC).toLocalDate();
        LocalDate start = switch (period) {
            case DAY -> day;
            case WEEK -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> day.withDayOfMonth(1);
        };
        return start.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    /** The start (epoch ms) of the next budget period after {@code nowMillis}: when the budget renews. */
    public static long nextPeriodStart(BudgetPeriod period, long nowMillis) {
        LocalDate start = Instant.ofEpochMilli(periodStart(period, nowMillis)).atOffset(ZoneOffset.UTC).toLocalDate();
        LocalDate next = switch (period) {
            case DAY -> start.plusDays(1);
            case WEEK -> start.plusWeeks(1);
            case MONTH -> start.plusMonths(1);
        };
        return next.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    /** The UTC minute (epoch ms / 60,000) that contains {@code nowMillis}: the per-minute counters' window. */
    public static long minute(long nowMillis) {
        return Math.floorDiv(nowMillis, MINUTE_MILLIS);
    }

    /** Whole seconds, at least 1, until the next UTC minute starts (when the per-minute counters start again). */
    public static long secondsToNextMinute(long nowMillis) {
        long left = MINUTE_MILLIS - Math.floorMod(nowMillis, MINUTE_MILLIS);
        return Math.max(1, (left + 999) / 1000);
    }
}
