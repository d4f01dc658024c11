package dev.tolk.server.cli;

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

    public static CommandLine commandLine() {
        return new CommandLine(new TolkMain())
                .addSubcommand(new ServeCommand())
                .addSubcommand(new ConfigCommand())
                .addSubcommand(new SimCommand())
                .addSubcommand(new CodeCommand())
                .addSubcommand(new DoctorCommand());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
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
