package dev.tolk.server.cli;

import java.lang.reflect.Proxy;

/**
 * Runs an action on SIGTERM and SIGINT instead of the JVM's default exit, so {@code serve} can stop gracefully and
 * exit 0 (the default would exit 143). The JDK has no public API for this; {@code sun.misc.Signal} (module
 * {@code jdk.unsupported}) is reached by reflection because javac's warning on naming it cannot be suppressed, and
 * main code compiles with warnings as errors.
 */
final class StopSignals {
    private StopSignals() {}

    /** Installs {@code onStop} for TERM and INT; where a signal or the API is missing, the JVM's default applies. */
    static void onStop(Runnable onStop) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object h = Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler}, (proxy, m, args) -> {
                if (m.getName().equals("handle")) {
                    onStop.run();
                }
                return null;
            });
            for (String name : new String[] {"TERM", "INT"}) {
                try {
                    Object s = signal.getConstructor(String.class).newInstance(name);
                    signal.getMethod("handle", signal, handler).invoke(null, s, h);
                } catch (ReflectiveOperationException | IllegalArgumentException e) {
                    // this signal is not available on this platform
                }
            }
        } catch (ClassNotFoundException e) {
            // no jdk.unsupported module: the JVM's default handling applies
        }
    }
}
