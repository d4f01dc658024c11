package dev.tolk.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How to start the tolk command as its own JVM: the packaged jar (`java FLAGS -jar tolk.jar ...`) or, in the
 * module's own test where the jar may not be built yet, the test class path with the CLI's main class.
 *
 * @param java     the java binary
 * @param jvmFlags the launcher's JVM flags
 * @param jar      tolk.jar, or null to use classPath + mainClass
 * @param classPath class path when jar is null
 */
record Launcher(String java, List<String> jvmFlags, Path jar, String classPath) {
    static final String MAIN_CLASS = "dev.tolk.server.cli.TolkMain";

    /** The same jar or class path with other JVM flags. */
    Launcher withFlags(List<String> flags) {
        return new Launcher(java, flags, jar, classPath);
    }

    List<String> command(List<String> tolkArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvmFlags);
        if (jar != null) {
            cmd.add("-jar");
            cmd.add(jar.toString());
        } else {
            cmd.add("-cp");
            cmd.add(classPath);
            cmd.add(MAIN_CLASS);
        }
        cmd.addAll(tolkArgs);
        return cmd;
    }
}
