package dev.tolk.server.cli;

/** Entry point of the runnable jar; the commands are wired up by issue #4. */
public final class TolkMain {
    private TolkMain() {}

    public static void main(String[] args) {
        System.out.println("tolk 0.1.0-SNAPSHOT");
    }
}
