package dev.tolk.server.cli;

import dev.tolk.core.json.Json;
import dev.tolk.core.keys.KeyLimits;
import dev.tolk.server.store.KeyChange;
import dev.tolk.server.store.KeyJson;
import dev.tolk.store.Database;
import dev.tolk.store.StoreException;
import dev.tolk.store.keys.KeyRepository;
import dev.tolk.store.keys.StoredKey;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tolk keys create|list|show|update|revoke}: the store's client keys (docs/teams.md). Every subcommand takes
 * {@code --db} (else {@code TOLK_DB_URL}, else the default SQLite file). A running gateway on the same store sees a
 * change within {@link dev.tolk.store.keys.KeyDirectory#REFRESH_MILLIS}.
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Manage client keys in the store: create, list, show, update, revoke.",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Show.class,
                KeysCommand.Update.class, KeysCommand.Revoke.class})
public final class KeysCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code --db}, shared by every subcommand. */
    static final class StoreOption {
        @Option(names = "--db", description = "The store: a SQLite file or a postgresql://… URL (env TOLK_DB_URL; "
                + "default: the default SQLite file).")
        String db;

        String location(Map<String, String> env) {
            return StoreLocation.resolve(db != null ? db : env.get("TOLK_DB_URL"), env);
        }
    }

    /** The limits a create or update names. */
    static final class LimitOptions {
        @Option(names = "--max-concurrent", paramLabel = "N", description = "Requests in flight at once (0 = no limit).")
        Integer maxConcurrent;

        @Option(names = "--requests-per-minute", paramLabel = "N", description = "Requests per minute (0 = no limit).")
        Integer requestsPerMinute;

        @Option(names = "--tokens-per-minute", paramLabel = "N", description = "Input + output tokens per minute "
                + "(0 = no limit).")
        Long tokensPerMinute;

        @Option(names = "--budget-tokens", paramLabel = "N", description = "Tokens per budget period (0 = no budget); "
                + "needs --budget-period.")
        Long budgetTokens;

        @Option(names = "--budget-period", paramLabel = "day|week|month", description = "When the budget renews "
                + "(UTC midnight; weeks start on Monday).")
        String budgetPeriod;

        @Option(names = "--priority", paramLabel = "N", description = "Weight when a saturated fleet shares out "
                + "(1 or more; default 1).")
        Integer priority;

        @Option(names = "--models", paramLabel = "GLOB,…", description = "Client model names the key may use, e.g. "
                + "'claude-sonnet-*,*haiku*' ('' = every model).")
        String models;

        KeyChange change() {
            return new KeyChange(maxConcurrent, requestsPerMinute, tokensPerMinute, budgetTokens,
                    KeyChange.period(budgetPeriod), priority, KeyChange.models(models));
        }

        boolean any() {
            return maxConcurrent != null || requestsPerMinute != null || tokensPerMinute != null
                    || budgetTokens != null || budgetPeriod != null || priority != null || models != null;
        }
    }

    /** Opens the store, runs {@code action}, maps failures to messages and exit codes. */
    abstract static class StoreCommand implements Callable<Integer> {
        @Mixin
        StoreOption store = new StoreOption();

        PrintStream out = System.out;
        PrintStream err = System.err;

        abstract int run(KeyRepository keys, String where);

        @Override
        public Integer call() {
            String location = store.location(System.getenv());
            if (StoreLocation.none(location)) {
                err.println("tolk: --db none has no keys");
                return 2;
            }
            try (Database db = Database.open(location)) {
                return run(new KeyRepository(db), db.description());
            } catch (IllegalArgumentException e) {
                err.println("tolk: " + e.getMessage());
                return 2;
            } catch (KeyRepository.KeyExists | KeyRepository.KeyRevoked | StoreException e) {
                err.println("tolk: " + e.getMessage());
                return 1;
            }
        }

        int notFound(String name) {
            err.println("tolk: no key named " + name);
            return 1;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a key and print its secret "
            + "(once, alone on the last line; only its SHA-256 is stored).")
    static final class Create extends StoreCommand {
        @Parameters(paramLabel = "NAME", description = "The key's name (letters, digits, '.', '_', '-').")
        String name;

        @Mixin
        LimitOptions limits = new LimitOptions();

        @Override
        int run(KeyRepository keys, String where) {
            KeyLimits l = limits.change().applyTo(KeyLimits.NONE);
            KeyRepository.Created created = keys.create(name, l, System.currentTimeMillis());
            out.println("Created key " + name + " in " + where + ": " + summary(l));
            out.println("Its secret follows, shown this once (clients send it as x-api-key or Authorization: Bearer):");
            out.println(created.secret());
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the keys (revoked ones too).")
    static final class ListKeys extends StoreCommand {
        @Option(names = "--json", description = "JSON, as GET /admin/keys answers.")
        boolean json;

        @Override
        int run(KeyRepository keys, String where) {
            List<StoredKey> all = keys.list();
            if (json) {
                var o = Json.MAPPER.createObjectNode();
                var data = o.putArray("data");
                all.forEach(k -> data.add(KeyJson.of(k)));
                out.println(o.toPrettyString());
                return 0;
            }
            if (all.isEmpty()) {
                out.println("No keys in " + where + " (tolk keys create NAME makes one).");
                return 0;
            }
            out.printf("%-24s %-8s %s%n", "NAME", "STATUS", "LIMITS");
            for (StoredKey k : all) {
                out.printf("%-24s %-8s %s%n", k.name(), k.revoked() ? "revoked" : "valid", summary(k.limits()));
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one key.")
    static final class Show extends StoreCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--json", description = "JSON, as GET /admin/keys/NAME answers.")
        boolean json;

        @Override
        int run(KeyRepository keys, String where) {
            Optional<StoredKey> k = keys.find(name);
            if (k.isEmpty()) {
                return notFound(name);
            }
            print(k.get(), json);
            return 0;
        }

        void print(StoredKey k, boolean asJson) {
            if (asJson) {
                out.println(KeyJson.of(k).toPrettyString());
                return;
            }
            KeyLimits l = k.limits();
            out.println("name:                " + k.name());
            out.println("status:              " + (k.revoked() ? "revoked " + Instant.ofEpochMilli(k.revokedAt())
                    : "valid"));
            out.println("max-concurrent:      " + orNone(l.maxConcurrent()));
            out.println("requests-per-minute: " + orNone(l.requestsPerMinute()));
            out.println("tokens-per-minute:   " + orNone(l.tokensPerMinute()));
            out.println("budget:              " + budget(l));
            out.println("priority:            " + l.priority());
            out.println("models:              " + (l.models().isEmpty() ? "(all)" : String.join(",", l.models())));
            out.println("created:             " + Instant.ofEpochMilli(k.createdAt()));
            out.println("updated:             " + Instant.ofEpochMilli(k.updatedAt()));
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, description = "Change a key's limits (the ones named; "
            + "the others stay). Running gateways apply it within 5 s.")
    static final class Update extends StoreCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Mixin
        LimitOptions limits = new LimitOptions();

        @Override
        int run(KeyRepository keys, String where) {
            if (!limits.any()) {
                throw new IllegalArgumentException("name at least one limit to change (see tolk keys update --help)");
            }
            Optional<StoredKey> old = keys.find(name);
            if (old.isEmpty()) {
                return notFound(name);
            }
            StoredKey k = keys.update(name, limits.change().applyTo(old.get().limits()), System.currentTimeMillis())
                    .orElseThrow();
            out.println("Updated key " + name + ": " + summary(k.limits()));
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key: running gateways refuse "
            + "it (401) within 5 s. Its name is not reused.")
    static final class Revoke extends StoreCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run(KeyRepository keys, String where) {
            Optional<StoredKey> k = keys.revoke(name, System.currentTimeMillis());
            if (k.isEmpty()) {
                return notFound(name);
            }
            out.println("Revoked key " + name + " (" + Instant.ofEpochMilli(k.get().revokedAt()) + ")");
            return 0;
        }
    }

    static String summary(KeyLimits l) {
        if (!l.limited() && l.priority() == 1) {
            return "no limits";
        }
        StringBuilder b = new StringBuilder();
        if (l.maxConcurrent() > 0) {
            b.append("max-concurrent ").append(l.maxConcurrent()).append(", ");
        }
        if (l.requestsPerMinute() > 0) {
            b.append(l.requestsPerMinute()).append(" requests/min, ");
        }
        if (l.tokensPerMinute() > 0) {
            b.append(l.tokensPerMinute()).append(" tokens/min, ");
        }
        if (l.budgetPeriod() != null) {
            b.append("budget ").append(budget(l)).append(", ");
        }
        if (l.priority() != 1) {
            b.append("priority ").append(l.priority()).append(", ");
        }
        if (!l.models().isEmpty()) {
            b.append("models ").append(String.join(",", l.models())).append(", ");
        }
        return b.substring(0, b.length() - 2);
    }

    private static String budget(KeyLimits l) {
        return l.budgetPeriod() == null ? "(none)"
                : l.budgetTokens() + " tokens a " + l.budgetPeriod().name().toLowerCase(Locale.ROOT);
    }

    private static String orNone(long v) {
        return v == 0 ? "(no limit)" : Long.toString(v);
    }
}
