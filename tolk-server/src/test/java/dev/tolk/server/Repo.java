package dev.tolk.server;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the repository the tests run in (deploy/, docs/, the launcher), found from the working directory up. */
final class Repo {
    private Repo() {}

    static Path file(String relative) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve(relative)) && Files.isRegularFile(p.resolve("tolk"))) {
                return p.resolve(relative);
            }
        }
        throw new AssertionError(relative + " not found above " + Path.of("").toAbsolutePath());
    }
}
