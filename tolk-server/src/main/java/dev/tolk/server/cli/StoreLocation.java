package dev.tolk.server.cli;

import dev.tolk.store.Database;
import java.util.Map;

/**
 * Where the commands that touch the store ({@code serve}, {@code keys}, {@code doctor}) find it: {@code --db} (or
 * {@code TOLK_DB_URL}, or YAML {@code db}) when given, else the default SQLite file ({@link Database#defaultFile}).
 * {@code none} means no store.
 */
final class StoreLocation {
    static final String NONE = "none";

    private StoreLocation() {
    }

    /** The store to use: {@code given}, else the default file; {@link #NONE} stays as it is. */
    static String resolve(String given, Map<String, String> env) {
        if (given == null || given.isBlank()) {
            return Database.defaultFile(env).toString();
        }
        return given.strip();
    }

    static boolean none(String location) {
        return NONE.equalsIgnoreCase(location);
    }
}
