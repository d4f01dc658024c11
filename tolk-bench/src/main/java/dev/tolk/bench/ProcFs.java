package dev.tolk.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a process's CPU time and memory from Linux's /proc, as a gateway operator would see them. */
final class ProcFs {
    /** USER_HZ: the unit of utime/stime in /proc/PID/stat; 100 on every Linux build we ship to. */
    static final long CLOCK_TICKS_PER_SECOND = 100;

    private ProcFs() {}

    /**
     * A sample of one process: user+system CPU in ms, resident set, its high-water mark, and the anonymous part of
     * the resident set (heap, stacks, malloc; without mapped files such as the jar and the AOT cache), in KiB.
     */
    record Sample(long cpuMillis, long rssKib, long hwmKib, long rssAnonKib) {
        double rssAnonMib() {
            return rssAnonKib / 1024.0;
        }

        double rssMib() {
            return rssKib / 1024.0;
        }

        double hwmMib() {
            return hwmKib / 1024.0;
        }
    }

    static boolean available() {
        return Files.isReadable(Path.of("/proc/self/stat"));
    }

    static Sample sample(long pid) {
        try {
            return new Sample(cpuMillis(pid), statusKib(pid, "VmRSS:"), statusKib(pid, "VmHWM:"),
                    statusKib(pid, "RssAnon:"));
        } catch (IOException | RuntimeException e) {
            return new Sample(-1, -1, -1, -1);
        }
    }

    /** utime + stime (fields 14 and 15); the command name in field 2 may contain spaces, so count after ')'. */
    static long cpuMillis(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return ticks * 1000 / CLOCK_TICKS_PER_SECOND;
    }

    /** utime + stime of the process's threads named {@code name} ({@code /proc/PID/task/TID/comm}); -1 if unreadable. */
    static long threadCpuMillis(long pid, String name) {
        long ticks = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (!Files.readString(task.resolve("comm")).strip().equals(name)) {
                        continue;
                    }
                    String stat = Files.readString(task.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return ticks * 1000 / CLOCK_TICKS_PER_SECOND;
    }

    private static long statusKib(long pid, String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
            }
        }
        return -1;
    }

    /** The soft limit on open files of the running JVM, which bench.sh raises for every process it starts. */
    static long openFilesLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    return Long.parseLong(line.substring(26).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
