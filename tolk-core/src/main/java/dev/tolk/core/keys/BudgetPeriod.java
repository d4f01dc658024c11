package dev.tolk.core.keys;

/** How often a key's token budget renews: at the start of each UTC day, ISO week (Monday) or month. */
public enum BudgetPeriod {
    DAY, WEEK, MONTH
}
