package dev.tolk.store.keys;

import dev.tolk.core.keys.BudgetPeriod;
import dev.tolk.core.keys.KeyLimits;
import dev.tolk.store.Database;
import dev.tolk.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** The client keys in the store (table {@code client_keys}), by plain JDBC. */
public final class KeyRepository {
    /** Names go into logs, metrics and URLs ({@code /admin/keys/NAME}): letters, digits, {@code . _ -}. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final String COLUMNS = "name, secret_sha256, max_concurrent, requests_per_minute, tokens_per_minute, "
            + "budget_tokens, budget_period, priority, models, created_at, updated_at, revoked_at";

    private final Database db;

    public KeyRepository(Database db) {
        this.db = db;
    }

    /** A key made by {@link #create}: the secret is in this answer only. */
    public record Created(StoredKey key, String secret) {
    }

    public static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a key name is 1-64 letters, digits, '.', '_' or '-', starting with a "
                    + "letter or digit: " + name);
        }
        if (name.startsWith("api-key-")) {
            throw new IllegalArgumentException("names api-key-N are the static api-keys' names; choose another");
        }
    }

    /** Makes a key; {@link KeyExists} when the name is taken (also by a revoked key: names are never reused). */
    public Created create(String name, KeyLimits limits, long nowMillis) {
        checkName(name);
        String secret = KeySecrets.generate();
        StoredKey key = new StoredKey(name, KeySecrets.sha256Hex(secret), limits, nowMillis, nowMillis, null);
        try (Connection c = db.dataSource().getConnection()) {
            if (find(c, name).isPresent()) {
                throw new KeyExists(name);
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO client_keys (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, name);
                s.setString(2, key.secretSha256());
                setLimits(s, 3, limits);
                s.setLong(10, nowMillis);
                s.setLong(11, nowMillis);
                s.setNull(12, Types.BIGINT);
                s.executeUpdate();
            }
        } catch (SQLException e) {
            // two creators raced past the check: the primary key decides
            if (find(name).isPresent()) {
                throw new KeyExists(name);
            }
            throw failed("create key " + name, e);
        }
        return new Created(key, secret);
    }

    /** Every key, revoked ones too, by name. */
    public List<StoredKey> list() {
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM client_keys ORDER BY name");
             ResultSet r = s.executeQuery()) {
            List<StoredKey> all = new ArrayList<>();
            while (r.next()) {
                all.add(read(r));
            }
            return all;
        } catch (SQLException e) {
            throw failed("list keys", e);
        }
    }

    public Optional<StoredKey> find(String name) {
        try (Connection c = db.dataSource().getConnection()) {
            return find(c, name);
        } catch (SQLException e) {
            throw failed("read key " + name, e);
        }
    }

    /** Replaces a valid key's limits; empty when there is no such key, {@link KeyRevoked} when it is revoked. */
    public Optional<StoredKey> update(String name, KeyLimits limits, long nowMillis) {
        try (Connection c = db.dataSource().getConnection()) {
            Optional<StoredKey> old = find(c, name);
            if (old.isEmpty()) {
                return old;
            }
            if (old.get().revoked()) {
                throw new KeyRevoked(name);
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE client_keys SET max_concurrent = ?, "
                    + "requests_per_minute = ?, tokens_per_minute = ?, budget_tokens = ?, budget_period = ?, "
                    + "priority = ?, models = ?, updated_at = ? WHERE name = ?")) {
                setLimits(s, 1, limits);
                s.setLong(8, nowMillis);
                s.setString(9, name);
                s.executeUpdate();
            }
            return find(c, name);
        } catch (SQLException e) {
            throw failed("update key " + name, e);
        }
    }

    /** Revokes a key (it stays listed, its name is not reused); empty when there is no such key. Idempotent. */
    public Optional<StoredKey> revoke(String name, long nowMillis) {
        try (Connection c = db.dataSource().getConnection()) {
            try (PreparedStatement s = c.prepareStatement("UPDATE client_keys SET revoked_at = ?, updated_at = ? "
                    + "WHERE name = ? AND revoked_at IS NULL")) {
                s.setLong(1, nowMillis);
                s.setLong(2, nowMillis);
                s.setString(3, name);
                s.executeUpdate();
            }
            return find(c, name);
        } catch (SQLException e) {
            throw failed("revoke key " + name, e);
        }
    }

    private static Optional<StoredKey> find(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM client_keys WHERE name = ?")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(read(r)) : Optional.empty();
            }
        }
    }

    private static void setLimits(PreparedStatement s, int first, KeyLimits l) throws SQLException {
        s.setInt(first, l.maxConcurrent());
        s.setInt(first + 1, l.requestsPerMinute());
        s.setLong(first + 2, l.tokensPerMinute());
        s.setLong(first + 3, l.budgetTokens());
        if (l.budgetPeriod() == null) {
            s.setNull(first + 4, Types.VARCHAR);
        } else {
            s.setString(first + 4, l.budgetPeriod().name().toLowerCase(Locale.ROOT));
        }
        s.setInt(first + 5, l.priority());
        s.setString(first + 6, String.join(",", l.models()));
    }

    static StoredKey read(ResultSet r) throws SQLException {
        String period = r.getString("budget_period");
        String models = r.getString("models");
        KeyLimits limits = new KeyLimits(r.getInt("max_concurrent"), r.getInt("requests_per_minute"),
                r.getLong("tokens_per_minute"), r.getLong("budget_tokens"),
                period == null ? null : BudgetPeriod.valueOf(period.toUpperCase(Locale.ROOT)), r.getInt("priority"),
                models == null || models.isEmpty() ? List.of() : Arrays.asList(models.split(",")));
        long revoked = r.getLong("revoked_at");
        Long revokedAt = r.wasNull() ? null : revoked;
        return new StoredKey(r.getString("name"), r.getString("secret_sha256"), limits, r.getLong("created_at"),
                r.getLong("updated_at"), revokedAt);
    }

    private StoreException failed(String what, SQLException e) {
        return new StoreException("cannot " + what + " in the store " + db.description() + ": " + e.getMessage(), e);
    }

    /** The name is taken. */
    public static final class KeyExists extends RuntimeException {
        public KeyExists(String name) {
            super("a key named " + name + " exists already (names of revoked keys are not reused)");
        }
    }

    /** The key is revoked and cannot change. */
    public static final class KeyRevoked extends RuntimeException {
        public KeyRevoked(String name) {
            super("the key " + name + " is revoked");
        }
    }
}
