package dev.tolk.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The system under test: the simulator and the gateway, each in its own JVM started from the same launcher,
 * the gateway pointed at the simulator.
 */
final class Rig implements AutoCloseable {
    static final String READY_PREFIX = "Tolk listening on";
    /**
     * The simulator is the upstream, not the system under test: it gets room (it pre-builds every stream's frames,
     * ~50 KB per slow stream) instead of the gateway's tight memory flags.
     */
    static final List<String> SIM_FLAGS = List.of("-XX:+UseSerialGC", "-Xms512m", "-Xmx3g", "-Xss512k");

    private final Launcher launcher;
    private final Path logDir;
    private final ManagedProcess sim;
    private final int simPort;
    private ManagedProcess gateway;
    private int gatewayPort;
    private long gatewayReadyNanos;

    private Rig(Launcher launcher, Path logDir, ManagedProcess sim, int simPort) {
        this.launcher = launcher;
        this.logDir = logDir;
        this.sim = sim;
        this.simPort = simPort;
    }

    /** The simulator's context window is large so the largest Claude Code request (≈19k tokens + 32k max_tokens) fits. */
    static Rig start(Launcher launcher, Path logDir) throws IOException {
        int port = FreePort.pick();
        ManagedProcess sim = ManagedProcess.start(
                launcher.withFlags(SIM_FLAGS).command(List.of("sim", "--port", String.valueOf(port), "--max-model-len", "1000000")),
                logDir.resolve("sim.log"), line -> false);
        Rig rig = new Rig(launcher, logDir, sim, port);
        try {
            SimControl.awaitUp(port, Duration.ofSeconds(60));
            rig.startGateway();
            return rig;
        } catch (IOException | RuntimeException e) {
            rig.close();
            throw e;
        }
    }

    /** Starts a fresh gateway (the previous one is stopped): idle memory and start-up are measured on it. */
    void startGateway() throws IOException {
        if (gateway != null) {
            gateway.close();
        }
        gatewayPort = FreePort.pick();
        gateway = ManagedProcess.start(launcher.command(gatewayArgs(gatewayPort)),
                logDir.resolve("tolk.log"), line -> line.contains(READY_PREFIX));
        gatewayReadyNanos = gateway.awaitReady(Duration.ofSeconds(60));
    }

    /** A second, short-lived gateway on its own port for start-up timing. */
    ManagedProcess startExtraGateway(int port, String logName) throws IOException {
        return ManagedProcess.start(launcher.command(gatewayArgs(port)), logDir.resolve(logName),
                line -> line.contains(READY_PREFIX));
    }

    /** Another gateway on the same simulator with {@code extraArgs} (the store variants: their {@code --db}). */
    ManagedProcess startVariantGateway(int port, String logName, List<String> extraArgs) throws IOException {
        // the usual arguments but --db none: the variant's own --db (picocli takes an option once)
        List<String> args = new java.util.ArrayList<>(List.of("serve", "--upstream", "http://127.0.0.1:" + simPort,
                "--port", String.valueOf(port)));
        args.addAll(extraArgs);
        ManagedProcess p = ManagedProcess.start(launcher.command(args), logDir.resolve(logName),
                line -> line.contains(READY_PREFIX));
        p.awaitReady(Duration.ofSeconds(60));
        return p;
    }

    private List<String> gatewayArgs(int port) {
        // --db none: the user's default store (and any keys in it) stays out of the measurement
        return List.of("serve", "--upstream", "http://127.0.0.1:" + simPort, "--port", String.valueOf(port),
                "--db", "none");
    }

    int simPort() {
        return simPort;
    }

    int gatewayPort() {
        return gatewayPort;
    }

    long gatewayReadyNanos() {
        return gatewayReadyNanos;
    }

    ManagedProcess gateway() {
        return gateway;
    }

    ManagedProcess sim() {
        return sim;
    }

    @Override
    public void close() {
        if (gateway != null) {
            gateway.close();
        }
        sim.close();
    }
}
