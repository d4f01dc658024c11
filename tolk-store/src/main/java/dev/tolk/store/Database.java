package dev.tolk.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Tolk's store: a SQLite file (one gateway, nothing to operate) or a PostgreSQL database (several replicas share keys,
 * counters and the ledger). {@link #open} pools connections with HikariCP and brings the schema up to date with
 * Flyway from {@code db/migration/sqlite} or {@code db/migration/postgresql}; everything else speaks plain JDBC.
 */
public final class Database implements AutoCloseable {
    public enum Kind {
        SQLITE("sqlite"), POSTGRESQL("postgresql");

        final String migrations;

        Kind(String migrations) {
            this.migrations = migrations;
        }
    }

    private final Kind kind;
    private final String description;
    private final HikariDataSource pool;

    private Database(Kind kind, String description, HikariDataSource pool) {
        this.kind = kind;
        this.description = description;
        this.pool = pool;
    }

    /**
     * Opens {@code location}: {@code postgresql://user:password@host:port/db} (or a {@code jdbc:postgresql:} URL), else
     * the path of a SQLite file (its directory is created).
     */
    public static Database open(String location) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("tolk-store");
        hc.setConnectionTimeout(Duration.ofSeconds(5).toMillis());
        // the store must not hold a gateway up: a database that is away fails fast and is retried by the caller
        hc.setInitializationFailTimeout(-1);
        Kind kind;
        String description;
        if (location.startsWith("postgresql://") || location.startsWith("postgres://")) {
            kind = Kind.POSTGRESQL;
            URI u = URI.create(location);
            String userInfo = u.getRawUserInfo();
            if (userInfo != null) {
                int colon = userInfo.indexOf(':');
                hc.setUsername(decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
                if (colon >= 0) {
                    hc.setPassword(decode(userInfo.substring(colon + 1)));
                }
            }
            String port = u.getPort() < 0 ? "" : ":" + u.getPort();
            hc.setJdbcUrl("jdbc:postgresql://" + u.getHost() + port + u.getRawPath()
                    + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()));
            hc.setMaximumPoolSize(8);
            description = "postgresql://" + u.getHost() + port + u.getRawPath();
        } else if (location.startsWith("jdbc:postgresql:")) {
            kind = Kind.POSTGRESQL;
            hc.setJdbcUrl(location);
            hc.setMaximumPoolSize(8);
            description = location.replaceAll("(?i)(password=)[^&]*", "$1***");
        } else {
            kind = Kind.SQLITE;
            Path file = Path.of(location.startsWith("jdbc:sqlite:") ? location.substring(12) : location)
                    .toAbsolutePath();
            try {
                Files.createDirectories(file.getParent());
            } catch (java.io.IOException e) {
                throw new StoreException("cannot create the directory of " + file + ": " + e.getMessage(), e);
            }
            hc.setJdbcUrl("jdbc:sqlite:" + file);
            // WAL lets readers (usage, the dashboard) run beside the ledger's writer; a writer waits for another
            for (var p : Map.of("journal_mode", "WAL", "busy_timeout", "5000", "synchronous", "NORMAL",
                    "foreign_keys", "true").entrySet()) {
                hc.addDataSourceProperty(p.getKey(), p.getValue());
            }
            hc.setMaximumPoolSize(4);
            description = file.toString();
        }
        HikariDataSource pool = new HikariDataSource(hc);
        try {
            Flyway.configure().dataSource(pool).locations("classpath:db/migration/" + kind.migrations)
                    .failOnMissingLocations(false).load().migrate();
        } catch (RuntimeException e) {
            pool.close();
            throw new StoreException("cannot open the store " + description + ": " + e.getMessage(), e);
        }
        return new Database(kind, description, pool);
    }

    /** Where {@code location} is, with no password (as {@link #description} says it once open). */
    public static String describe(String location) {
        if (location.startsWith("postgresql://") || location.startsWith("postgres://")) {
            try {
                URI u = URI.create(location);
                return "postgresql://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort()) + u.getRawPath();
            } catch (IllegalArgumentException e) {
                return "postgresql://(unreadable URL)";
            }
        }
        if (location.startsWith("jdbc:postgresql:")) {
            return location.replaceAll("(?i)(password=)[^&]*", "$1***");
        }
        return Path.of(location.startsWith("jdbc:sqlite:") ? location.substring(12) : location).toAbsolutePath()
                .toString();
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** The default store: {@code $XDG_DATA_HOME/tolk/tolk.db}, else {@code ~/.local/share/tolk/tolk.db}. */
    public static Path defaultFile(Map<String, String> env) {
        String xdg = env.get("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("tolk").resolve("tolk.db");
    }

    public Kind kind() {
        return kind;
    }

    /** Where the store is, with no password: for logs, {@code tolk config} and {@code tolk doctor}. */
    public String description() {
        return description;
    }

    public DataSource dataSource() {
        return pool;
    }

    @Override
    public void close() {
        pool.close();
    }
}
