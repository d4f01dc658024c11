package dev.tolk.core.keys;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.ErrorType;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;

/**
 * Whether a request of a client key may go upstream, decided before any upstream call from the key's limits and its
 * usage ({@link KeyUsage}); pure, the time is passed in. The checks, in order (the first that fails answers):
 *
 * <ol>
 * <li>the client's model against the key's {@code models} globs: 403 {@code permission_error} (no retry helps);
 * <li>the token budget of the current period: a spent budget is refused with {@link #BUDGET_STATUS}
 *     {@code billing_error}, naming the budget and when it renews (the next period start, UTC). Neither the Anthropic
 *     SDKs (they retry 408, 409, 429 and 5xx) nor Claude Code (it also retries 401) retry a 402, and a retry could
 *     only fail again until the period ends (docs/teams.md);
 * <li>{@code max-concurrent}: 429 with {@code retry-after: 1} (a slot frees when any of the key's requests ends);
 * <li>requests per minute, then tokens per minute: 429 with {@code retry-after} = the seconds to the next UTC minute,
 *     when the per-minute counters start again ({@link BudgetWindow}).
 * </ol>
 *
 * <p>Tokens per minute compare the minute's tokens (input + output of the requests that ended in it) plus this
 * request's prompt estimate against the limit; {@code max_tokens} is not counted: Claude Code asks for 32,000–128,000
 * on every request whatever the reply turns out to be, which would make any per-minute limit refuse nearly everything.
 * A request whose prompt alone exceeds the limit is admitted into a minute with no tokens yet, else it could never
 * run. The budget refuses once it is spent (spent ≥ budget): a request that starts within the budget finishes, so
 * the budget may be overshot by what the key's requests in flight use.
 */
public final class Admission {
    /** The status of a spent budget: {@code 402 billing_error} (see the class comment). */
    public static final int BUDGET_STATUS = 402;

    /** The decision: null means admit; otherwise the error to answer. */
    public enum Reason { MODEL, BUDGET, CONCURRENT, REQUESTS_PER_MINUTE, TOKENS_PER_MINUTE }

    /** A refusal: why, and the Anthropic error the client gets. */
    public record Refusal(Reason reason, AnthropicError error) {}

    private Admission() {}

    /**
     * The refusal of a request by {@code key} for {@code clientModel} with an estimated prompt of
     * {@code promptTokens}, or null when it may go upstream. A key without limits is admitted at once.
     */
    public static Refusal decide(ClientKey key, KeyUsage usage, String clientModel, long promptTokens,
                                 long nowMillis) {
        KeyLimits l = key.limits();
        if (!l.limited()) {
            return null;
        }
        Refusal model = checkModel(key, clientModel);
        if (model != null) {
            return model;
        }
        if (l.budgetTokens() > 0 && usage.budgetSpent() >= l.budgetTokens()) {
            return budgetSpent(key, nowMillis);
        }
        if (l.maxConcurrent() > 0 && usage.inFlight() >= l.maxConcurrent()) {
            return overConcurrent(key);
        }
        if (l.requestsPerMinute() > 0 && usage.requestsLastMinute() >= l.requestsPerMinute()) {
            return new Refusal(Reason.REQUESTS_PER_MINUTE, rateLimited("key " + key.name() + " is over its limit of "
                    + l.requestsPerMinute() + " requests per minute", BudgetWindow.secondsToNextMinute(nowMillis)));
        }
        if (l.tokensPerMinute() > 0 && usage.tokensLastMinute() > 0
                && usage.tokensLastMinute() + Math.max(0, promptTokens) > l.tokensPerMinute()) {
            return new Refusal(Reason.TOKENS_PER_MINUTE, rateLimited("key " + key.name() + " is over its limit of "
                    + l.tokensPerMinute() + " tokens per minute (" + usage.tokensLastMinute()
                    + " used this minute, about " + Math.max(0, promptTokens) + " in this request)",
                    BudgetWindow.secondsToNextMinute(nowMillis)));
        }
        return null;
    }

    /**
     * The whole admission of a request, as the gateway and the SDK adapter do it: a key without limits passes at once
     * (no counter is asked); a key that limits only its models is checked against them; otherwise {@link #decide} on
     * the key's usage and, when admitted, {@link KeyCounters#tryBegin} takes its slot. Null: admitted, and when
     * {@link #counted} the caller calls {@link KeyCounters#end} once the request ends, whatever its outcome.
     * {@code promptTokens} is asked only for a key with a tokens-per-minute limit.
     */
    public static Refusal begin(KeyCounters counters, ClientKey key, String clientModel,
                                java.util.function.LongSupplier promptTokens, long nowMillis) {
        KeyLimits l = key.limits();
        if (!l.limited()) {
            return null;
        }
        if (!counted(l)) {
            return checkModel(key, clientModel);
        }
        long estimate = l.tokensPerMinute() > 0 ? promptTokens.getAsLong() : 0;
        Refusal r = decide(key, counters.usage(key, nowMillis), clientModel, estimate, nowMillis);
        if (r != null) {
            return r;
        }
        return counters.tryBegin(key, nowMillis) ? null : overConcurrent(key);
    }

    /** Whether a key's requests are counted (it has a concurrency, rate or budget limit). */
    public static boolean counted(KeyLimits l) {
        return l.maxConcurrent() > 0 || l.requestsPerMinute() > 0 || l.tokensPerMinute() > 0 || l.budgetTokens() > 0;
    }

    /** The refusal of a request for a model outside the key's globs, or null (also for every model of a key without). */
    public static Refusal checkModel(ClientKey key, String clientModel) {
        List<String> globs = key.limits().models();
        if (globs.isEmpty()) {
            return null;
        }
        if (clientModel != null) {
            for (String g : globs) {
                if (globMatches(g, clientModel)) {
                    return null;
                }
            }
        }
        return new Refusal(Reason.MODEL, AnthropicError.of(ErrorType.PERMISSION, "key " + key.name()
                + " may not use model " + clientModel + " (it may use " + String.join(", ", globs) + ")"));
    }

    /**
     * All of the key's {@code max-concurrent} slots are taken (also what the gateway answers when
     * {@link KeyCounters#tryBegin} finds them taken after admission).
     */
    public static Refusal overConcurrent(ClientKey key) {
        return new Refusal(Reason.CONCURRENT, rateLimited("key " + key.name() + " already has "
                + key.limits().maxConcurrent() + " requests in flight, its max-concurrent limit", 1));
    }

    /** The key's token budget is spent: the error names the budget and when it renews (UTC). */
    public static Refusal budgetSpent(ClientKey key, long nowMillis) {
        KeyLimits l = key.limits();
        long renews = BudgetWindow.nextPeriodStart(l.budgetPeriod(), nowMillis);
        String period = switch (l.budgetPeriod()) {
            case DAY -> "daily";
            case WEEK -> "weekly";
            case MONTH -> "monthly";
        };
        return new Refusal(Reason.BUDGET, new AnthropicError(BUDGET_STATUS, ErrorType.BILLING, "key " + key.name()
                + " has spent its " + period + " token budget of " + l.budgetTokens() + " tokens; it renews at "
                + Instant.ofEpochMilli(renews) + " (UTC)", OptionalLong.empty()));
    }

    private static AnthropicError rateLimited(String message, long retryAfterSeconds) {
        return new AnthropicError(429, ErrorType.RATE_LIMIT, message, OptionalLong.of(retryAfterSeconds));
    }

    /** Whether {@code text} matches {@code glob} ({@code *} any run of characters, {@code ?} one), without a regex. */
    static boolean globMatches(String glob, String text) {
        int g = 0;
        int t = 0;
        int star = -1;
        int mark = 0;
        while (t < text.length()) {
            if (g < glob.length() && (glob.charAt(g) == '?' || glob.charAt(g) == text.charAt(t))) {
                g++;
                t++;
            } else if (g < glob.length() && glob.charAt(g) == '*') {
                star = g++;
                mark = t;
            } else if (star >= 0) {
                g = star + 1;
                t = ++mark;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }
}
