package dev.tolk.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `tolk bench`: measures Tolk against the client talking straight to the upstream, and prints the table. */
@Command(name = "tolk bench", mixinStandardHelpOptions = true, subcommands = FleetCommand.class,
        description = "Starts tolk-sim and Tolk as separate processes and measures Tolk against the direct path; "
                + "'fleet' compares routing policies over a simulated vLLM fleet.")
public final class BenchMain implements Callable<Integer> {
    @Option(names = "--quick", description = "Smoke check of the harness: a few seconds per measurement.")
    boolean quick;

    @Option(names = "--tolk-jar", description = "The gateway jar (default: ${DEFAULT-VALUE}).",
            defaultValue = "tolk-server/target/tolk.jar")
    Path tolkJar;

    @Option(names = "--class-path", description = "Start Tolk from this class path instead of the jar.")
    String classPath;

    @Option(names = "--java", description = "java binary for the gateway, simulator and JMH (default: this JVM's).")
    String java = ProcessHandle.current().info().command().orElse("java");

    @Option(names = "--jvm-flags", description = "JVM flags for the gateway and simulator, space separated.",
            defaultValue = "${env:TOLK_BENCH_JVM_FLAGS:-}")
    String jvmFlags;

    @Option(names = "--results-dir", defaultValue = "bench-results", description = "Where the JSON goes.")
    Path resultsDir;

    @Option(names = "--chart", description = "PNG chart path (default: docs/bench.png, or the results dir for --quick).")
    Path chart;

    @Option(names = "--fixtures", description = "Claude Code fixtures (default: the repository's fixtures/claude-code).")
    Path fixtures;

    @Option(names = "--generator", defaultValue = "auto", description = "Load generator: auto (wrk if installed), wrk, java.")
    String generatorName;

    @Option(names = "--only", split = ",", description = "Run only the measurements whose names start with these "
            + "(sequential, concurrent, claude, idle, slow, startup, jmh); for profiling one of them.")
    Set<String> only = Set.of();

    @Option(names = "--no-reference", description = "Leave out the reference hop (HAProxy, when installed) at 50 streams.")
    boolean noReference;

    @Option(names = "--slow-streams", description = "Override the number of slow streams.")
    Integer slowStreams;

    @Option(names = "--db-variants", description = "Instead of the usual run: what the store costs a request, "
            + "gateways with no database, SQLite and (with --postgres) PostgreSQL, each writing the usage ledger, and "
            + "where tolk keys exists the same with a store key on every request, beside the direct path (≈ 6-9 min).")
    boolean dbVariants;

    @Option(names = "--postgres", description = "With --db-variants: the postgresql:// URL of the PostgreSQL variant "
            + "(bench.sh starts a private server for it when it can).", defaultValue = "${env:TOLK_BENCH_POSTGRES:-}")
    String postgres;

    @Option(names = "--postgres-keys", description = "With --db-variants: another PostgreSQL database (URL) for the "
            + "variant whose requests also present a store key (bench.sh creates one beside --postgres's).",
            defaultValue = "${env:TOLK_BENCH_POSTGRES_KEYS:-}")
    String postgresKeys;

    @Option(names = "--from-json", description = "Do not measure: print the table and draw the chart of this result file.")
    Path fromJson;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (fromJson != null) {
            ObjectNode stored = (ObjectNode) BenchJson.MAPPER.readTree(fromJson.toFile());
            BenchChart.write(stored, chartPath());
            System.out.print(ReportTable.markdown(stored));
            return 0;
        }
        String stamp = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"));
        if (dbVariants) {
            return runDbVariants(stamp);
        }
        ObjectNode result = runAndWrite(stamp);
        System.out.println();
        System.out.print(ReportTable.markdown(result));
        System.out.println();
        System.out.println("load generator: " + result.path("concurrent").path("generator").asText("?")
                + "; load average " + result.path("loadAverageAtStart").asText() + " → "
                + result.path("loadAverageAtEnd").asText());
        System.out.println("results: " + resultsDir.resolve(stamp + ".json") + " (and latest.json); chart: " + chartPath());
        if (!result.path("harnessErrors").isEmpty()) {
            System.out.println("harness errors: " + result.path("harnessErrors"));
            return 1;
        }
        return 0;
    }

    /** {@code --db-variants}: the store's cost per request; writes {@code db-<stamp>.json} and prints the table. */
    private int runDbVariants(String stamp) throws Exception {
        Path work = resultsDir.resolve("work-db-" + stamp);
        LoadGenerator gen = switch (generatorName) {
            case "wrk" -> new WrkLoadGenerator(work);
            case "java" -> new JavaLoadGenerator();
            default -> WrkLoadGenerator.available() ? new WrkLoadGenerator(work) : new JavaLoadGenerator();
        };
        BenchSettings settings = quick ? BenchSettings.quickRun() : BenchSettings.fullRun();
        ObjectNode result = DbVariantsBench.run(settings, launcher(), work, gen,
                DbVariantsBench.variants(work, postgres, postgresKeys));
        result.put("timestamp", stamp);
        result.set("machine", Machine.describe(launcher()));
        Files.createDirectories(resultsDir);
        BenchJson.MAPPER.writeValue(resultsDir.resolve("db-" + stamp + ".json").toFile(), result);
        System.out.println();
        System.out.print(DbVariantsBench.markdown(result));
        result.path("skipped").properties().forEach(e ->
                System.out.println("left out: " + e.getKey() + " (" + e.getValue().asText() + ")"));
        System.out.println("load average " + result.path("loadAverageAtStart").asText() + " → "
                + result.path("loadAverageAtEnd").asText() + "; results: " + resultsDir.resolve("db-" + stamp + ".json"));
        return 0;
    }

    /** Runs everything and writes JSON and chart; returns the result tree. */
    ObjectNode runAndWrite(String stamp) throws Exception {
        Launcher launcher = launcher();
        Path work = resultsDir.resolve("work-" + stamp);
        LoadGenerator gen = switch (generatorName) {
            case "wrk" -> new WrkLoadGenerator(work);
            case "java" -> new JavaLoadGenerator();
            default -> WrkLoadGenerator.available() ? new WrkLoadGenerator(work) : new JavaLoadGenerator();
        };
        BenchSettings settings = quick ? BenchSettings.quickRun() : BenchSettings.fullRun();
        if (slowStreams != null) {
            settings = settings.withSlowStreams(slowStreams);
        }
        BenchRun run = new BenchRun(settings, launcher, work,
                fixturesDir(), gen, System.getProperty("java.class.path"), only, !noReference);
        ObjectNode result = run.run();
        BenchRun.write(result, resultsDir, stamp);
        BenchChart.write(result, chartPath());
        return result;
    }

    /** How the gateway and simulator JVMs are started: the jar, or this class path (the module's own tests). */
    Launcher launcher() {
        List<String> flags = jvmFlags == null || jvmFlags.isBlank() ? List.of()
                : Arrays.asList(jvmFlags.trim().split("\\s+"));
        if (classPath == null && !Files.isRegularFile(tolkJar)) {
            throw new IllegalStateException("no gateway jar at " + tolkJar + "; build with ./tolk build");
        }
        return new Launcher(java, flags, classPath == null ? tolkJar : null, classPath);
    }

    private Path chartPath() {
        if (chart != null) {
            return chart;
        }
        return quick ? resultsDir.resolve("bench.png") : Path.of("docs", "bench.png");
    }

    Path fixturesDir() {
        return fixtures != null ? fixtures : Requests.claudeCodeFixtures();
    }
}
