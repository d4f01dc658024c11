package dev.tolk.server.dashboard;

import java.util.List;

/**
 * Where the dashboard and {@code /admin/sessions} read usage from: per key and per session. {@link InMemoryUsage}
 * counts what this gateway served since it started; a configured store's usage ledger takes its place
 * ({@code TolkServer.usageView}), so that the numbers survive restarts and cover every replica.
 */
public interface UsageView {
    /** Usage per client key, the largest token count first. */
    List<KeyTotals> keys();

    /** The {@code limit} sessions seen most recently, the latest first. */
    List<SessionTotals> sessions(int limit);

    /** What the numbers cover, as the dashboard labels them (e.g. "since start", "ledger"). */
    String source();
}
