package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.ErrorType;
import dev.tolk.server.store.GatewayStore;
import dev.tolk.server.usage.UsageReport;
import dev.tolk.store.Database;
import dev.tolk.store.usage.UsageQuery;
import dev.tolk.store.usage.UsageSince;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.OptionalLong;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * {@code GET /admin/usage?by=key|session|model|upstream|day&since=7d}: the ledger's totals, the JSON of
 * {@code tolk usage --json}. {@link AdminAccess} has already let the request in.
 */
final class AdminUsageEndpoint {
    private final GatewayStore store;

    /** {@code store} is null when the gateway has none ({@code --db none}). */
    AdminUsageEndpoint(GatewayStore store) {
        this.store = store;
    }

    void handle(Exchange x) throws IOException {
        if (store == null) {
            fail(x, AnthropicError.of(ErrorType.NOT_FOUND, "this gateway has no store, so no usage ledger: "
                    + "it runs with --db none"));
            return;
        }
        Fields params = Request.extractQueryParameters(x.request);
        UsageQuery.GroupBy by;
        Instant since;
        try {
            by = UsageQuery.GroupBy.parse(value(params, "by", "key"));
            since = UsageSince.parse(value(params, "since", UsageSince.DEFAULT), Instant.now());
        } catch (IllegalArgumentException e) {
            fail(x, AnthropicError.invalidRequest(e.getMessage()));
            return;
        }
        Database db = store.database();
        if (db == null) {
            fail(x, new AnthropicError(503, ErrorType.API, "the store " + store.description()
                    + " is not open yet (the gateway retries it in the background)", OptionalLong.empty()));
            return;
        }
        UsageQuery.Report report;
        try {
            report = new UsageQuery(db.dataSource()).report(by, since);
        } catch (SQLException | RuntimeException e) {
            fail(x, new AnthropicError(503, ErrorType.API, "the store cannot be read: " + e.getMessage(),
                    OptionalLong.empty()));
            return;
        }
        x.status = 200;
        Responses.json(x.response, 200, UsageReport.json(report), x.requestId);
    }

    private static String value(Fields params, String name, String otherwise) {
        String v = params.getValue(name);
        return v == null || v.isBlank() ? otherwise : v;
    }

    private static void fail(Exchange x, AnthropicError e) throws IOException {
        x.status = e.status();
        Responses.error(x.response, e, x.requestId);
    }
}
