package dev.tolk.server.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import dev.tolk.sim.SimCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tolk} command line. New subcommands are added in {@link #commandLine()}. */
@Command(name = "tolk", mixinStandardHelpOptions = true, versionProvider = TolkMain.Version.class,
        description = "Tolk: the Anthropic Messages API (Claude Code, Anthropic SDKs) on vLLM and other "
                + "OpenAI-compatible servers.")
public final class TolkMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("serve", ServeCommand::new);
        m.put("config", ConfigCommand::new);
        m.put("sim", SimCommand::new);
        m.put("code", CodeCommand::new);
        m.put("doctor", DoctorCommand::new);
        m.put("sessions", SessionsCommand::new);
        m.put("keys", KeysCommand::new);
        m.put("usage", UsageCommand::new);
        return m;
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TolkMain());
        SUBCOMMANDS.values().forEach(s -> cl.addSubcommand(s.get()));
        return cl;
    }

    /**
     * The command line with only the subcommand being run: picocli builds every subcommand's model by reflection,
     * and its classes (compiled for Java 5) cannot go into the start-up cache, so each one costs start-up time.
     */
    static CommandLine commandLineFor(String[] args) {
        if (args.length > 0 && SUBCOMMANDS.containsKey(args[0])) {
            return new CommandLine(new TolkMain()).addSubcommand(SUBCOMMANDS.get(args[0]).get());
        }
        return commandLine();
    }

    public static void main(String[] args) {
        // Jetty otherwise starts the platform MBean server (≈ 150 ms, and JFR's MBeans) only to learn whether
        // references are compressed; with the launcher's heap sizes they are: 64-byte lines / 4-byte references
        if (System.getProperty("org.eclipse.jetty.util.referencesPerCacheLine") == null) {
            System.setProperty("org.eclipse.jetty.util.referencesPerCacheLine", "16");
        }
        System.exit(commandLineFor(args).execute(args));
    }

    /** Reads the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = TolkMain.class.getPackage().getImplementationVersion();
            return new String[] {"tolk " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
