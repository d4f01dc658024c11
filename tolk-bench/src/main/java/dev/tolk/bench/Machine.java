package dev.tolk.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the numbers were measured on: cores, load, JDK and the gateway's JVM flags. */
final class Machine {
    private Machine() {}

    static ObjectNode describe(Launcher launcher) {
        ObjectNode n = BenchJson.MAPPER.createObjectNode();
        n.put("cores", Runtime.getRuntime().availableProcessors());
        n.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        n.put("java", launcher.java());
        n.put("javaVersion", javaVersion(launcher.java()));
        n.put("jvmFlags", String.join(" ", launcher.jvmFlags()));
        n.put("launch", launcher.jar() != null ? "-jar " + launcher.jar() : "-cp <test class path>");
        n.put("openFilesLimit", ProcFs.openFilesLimit());
        return n;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String javaVersion(String java) {
        try {
            Process p = new ProcessBuilder(java, "-version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out.lines().findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
