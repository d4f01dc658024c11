package dev.tolk.server.store;

import dev.tolk.core.keys.BudgetPeriod;
import dev.tolk.core.keys.KeyLimits;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The limits a {@code tolk keys create|update} or an admin API call names; null fields keep what the key has (or
 * {@link KeyLimits#NONE}'s value for a new key). A budget of 0 tokens removes the budget and its period.
 */
public record KeyChange(Integer maxConcurrent, Integer requestsPerMinute, Long tokensPerMinute, Long budgetTokens,
                        BudgetPeriod budgetPeriod, Integer priority, List<String> models) {

    public KeyLimits applyTo(KeyLimits base) {
        long budget = budgetTokens != null ? budgetTokens : base.budgetTokens();
        BudgetPeriod period = budget == 0 ? null : budgetPeriod != null ? budgetPeriod : base.budgetPeriod();
        return new KeyLimits(
                maxConcurrent != null ? maxConcurrent : base.maxConcurrent(),
                requestsPerMinute != null ? requestsPerMinute : base.requestsPerMinute(),
                tokensPerMinute != null ? tokensPerMinute : base.tokensPerMinute(),
                budget, period,
                priority != null ? priority : base.priority(),
                models != null ? models : base.models());
    }

    /** {@code day}, {@code week} or {@code month}; null stays null. */
    public static BudgetPeriod period(String s) {
        if (s == null) {
            return null;
        }
        try {
            return BudgetPeriod.valueOf(s.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a budget period is day, week or month, not '" + s + "'");
        }
    }

    /** A comma list of globs; blank means every model. */
    public static List<String> models(String commaList) {
        if (commaList == null) {
            return null;
        }
        return Arrays.stream(commaList.split(",")).map(String::strip).filter(g -> !g.isEmpty()).toList();
    }
}
