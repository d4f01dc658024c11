package dev.tolk.core.keys;

import java.util.List;

/**
 * What one client key may do. A zero count means "no limit"; a null {@code budgetPeriod} means no budget. Priority
 * weighs the key's share when a saturated fleet releases held requests (1 is the default, higher gets more) and is
 * sent as vLLM's {@code priority} where the upstream schedules by priority. {@code models} are globs over the
 * client's model names ({@code claude-*}); empty allows every model.
 */
public record KeyLimits(int maxConcurrent, int requestsPerMinute, long tokensPerMinute, long budgetTokens,
                        BudgetPeriod budgetPeriod, int priority, List<String> models) {

    public static final KeyLimits NONE = new KeyLimits(0, 0, 0, 0, null, 1, List.of());

    public KeyLimits {
        models = List.copyOf(models);
        if (maxConcurrent < 0 || requestsPerMinute < 0 || tokensPerMinute < 0 || budgetTokens < 0) {
            throw new IllegalArgumentException("limits are counts: zero (no limit) or more");
        }
        if (priority < 1) {
            throw new IllegalArgumentException("priority is 1 or more");
        }
        if ((budgetTokens > 0) != (budgetPeriod != null)) {
            throw new IllegalArgumentException("a budget needs both its tokens and its period");
        }
    }

    /** Whether any limit applies: a key without limits costs no admission work. */
    public boolean limited() {
        return maxConcurrent > 0 || requestsPerMinute > 0 || tokensPerMinute > 0 || budgetTokens > 0
                || !models.isEmpty();
    }
}
