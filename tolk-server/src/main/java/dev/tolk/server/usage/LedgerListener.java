package dev.tolk.server.usage;

import dev.tolk.server.http.FinishedRequest;
import dev.tolk.server.http.RequestListener;
import dev.tolk.store.usage.UsageLedger;
import dev.tolk.store.usage.UsageRow;

/**
 * Hands every ended {@code /v1/messages} request to the {@link UsageLedger} (which only buffers it). Not recorded:
 * {@code count_tokens} (it tokenizes and generates nothing; counted in {@code /metrics}), the other routes, and a
 * request refused 401 before it had a key, which is nobody's usage and would let anyone without a key write to the
 * store.
 */
public final class LedgerListener implements RequestListener {
    private final UsageLedger ledger;

    public LedgerListener(UsageLedger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void finished(FinishedRequest r) {
        if (!r.messages() || r.status() == 401) {
            return;
        }
        ledger.record(new UsageRow(r.requestId(), r.startedAtEpochMillis(), r.key(), r.sessionId(), r.clientModel(),
                r.upstreamModel(), r.upstream(), r.status(), r.inputTokens(), r.cachedTokens(), r.outputTokens(),
                r.ttftNanos() < 0 ? -1 : r.ttftNanos() / 1e6, r.durationNanos() / 1e6, r.stopReason()));
    }
}
