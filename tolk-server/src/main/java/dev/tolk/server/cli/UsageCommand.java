package dev.tolk.server.cli;

import dev.tolk.server.usage.UsageReport;
import dev.tolk.store.Database;
import dev.tolk.store.StoreException;
import dev.tolk.store.usage.UsageQuery;
import dev.tolk.store.usage.UsageSince;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tolk usage}: the usage ledger's totals since a moment, grouped, as a table, JSON or CSV. */
@Command(name = "usage", mixinStandardHelpOptions = true,
        description = "Print the usage ledger: requests, errors, tokens, cache share and median time to first token.")
public final class UsageCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--by", defaultValue = "key",
            description = "Group by key, session, model (the upstream's), upstream or day (UTC). Default: ${DEFAULT-VALUE}.")
    String by;

    @Option(names = "--since", defaultValue = UsageSince.DEFAULT,
            description = "From when: an age (30m, 24h, 7d, 2w), a date (2026-12-01, UTC) or an instant. "
                    + "Default: ${DEFAULT-VALUE}.")
    String since;

    @ArgGroup(exclusive = true)
    Format format = new Format();

    static final class Format {
        @Option(names = "--json", description = "JSON (what GET /admin/usage answers).")
        boolean json;

        @Option(names = "--csv", description = "CSV with a header line.")
        boolean csv;
    }

    @Option(names = "--db", description = "The store: a SQLite file or a postgresql:// URL (env TOLK_DB_URL; "
            + "default: the default SQLite file of tolk serve).")
    String db;

    @Override
    public Integer call() {
        java.io.PrintWriter out = spec.commandLine().getOut();
        java.io.PrintWriter err = spec.commandLine().getErr();
        UsageQuery.GroupBy groupBy;
        Instant from;
        try {
            groupBy = UsageQuery.GroupBy.parse(by);
            from = UsageSince.parse(since, Instant.now());
        } catch (IllegalArgumentException e) {
            err.println("tolk usage: " + e.getMessage());
            return 2;
        }
        String location = StoreLocation.resolve(db != null ? db : System.getenv("TOLK_DB_URL"), System.getenv());
        if (StoreLocation.none(location)) {
            err.println("tolk usage: --db none has no ledger; name the store the gateway uses");
            return 2;
        }
        try (Database store = Database.open(location)) {
            UsageQuery.Report report = new UsageQuery(store.dataSource()).report(groupBy, from);
            if (format.json) {
                out.println(new String(UsageReport.json(report), StandardCharsets.UTF_8));
            } else if (format.csv) {
                out.print(UsageReport.csv(report));
            } else {
                out.print(UsageReport.table(report));
            }
            out.flush();
            return 0;
        } catch (StoreException e) {
            err.println("tolk usage: " + e.getMessage());
            return 1;
        } catch (SQLException e) {
            err.println("tolk usage: cannot read the ledger in " + location + ": " + e.getMessage());
            return 1;
        }
    }
}
