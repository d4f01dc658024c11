package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tolk.server.cli.TolkMain;
import dev.tolk.server.config.GatewayConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OCI image that Jib builds from tolk-server's pom (docs/deploy.md). The tarball is built by
 * {@code ./tolk image --check} (deploy/image-check.sh) on a local base, since no registry is reachable here, and
 * handed over in {@code TOLK_IMAGE_TAR}; without it (an ordinary {@code ./tolk test}) these tests are skipped.
 * They read the image as a runtime would (index, manifest, config, layers) and, where the test may chroot (root,
 * with {@code unshare} and {@code chroot}), unpack the layers and start the image's entrypoint as the image's user.
 */
class ContainerImageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

    @TempDir
    static Path dir;
    static Path blobs;
    static JsonNode manifest;
    static JsonNode config;

    @BeforeAll
    static void unpack() throws Exception {
        String tar = System.getenv("TOLK_IMAGE_TAR");
        assumeThat(tar).as("TOLK_IMAGE_TAR (set by ./tolk image --check)").isNotBlank();
        assertThat(Path.of(tar)).isRegularFile();
        run(List.of("tar", "-xf", tar, "-C", dir.toString()));
        blobs = dir.resolve("blobs/sha256");
        JsonNode index = JSON.readTree(dir.resolve("index.json").toFile());
        assertThat(JSON.readTree(dir.resolve("oci-layout").toFile()).path("imageLayoutVersion").asText())
                .isEqualTo("1.0.0");
        assertThat(index.path("manifests")).hasSize(1);
        JsonNode ref = index.path("manifests").get(0);
        assertThat(ref.path("mediaType").asText()).isEqualTo(OCI_MANIFEST);
        manifest = JSON.readTree(blob(ref.path("digest").asText()).toFile());
        assertThat(manifest.path("mediaType").asText()).isEqualTo(OCI_MANIFEST);
        config = JSON.readTree(blob(manifest.path("config").path("digest").asText()).toFile());
    }

    @Test
    void theEntrypointRunsTheGatewayWithTheLaunchersJvmFlags() throws Exception {
        List<String> entrypoint = strings(config.path("config").path("Entrypoint"));
        assertThat(entrypoint.getFirst()).isEqualTo("java");
        int cp = entrypoint.indexOf("-cp");
        assertThat(cp).as("-cp in %s", entrypoint).isPositive();
        assertThat(entrypoint.subList(1, cp)).as("JVM flags: those ./tolk runs the gateway with on JDK 25")
                .containsExactlyElementsOf(launcherJvmFlags());
        assertThat(entrypoint.subList(cp + 1, entrypoint.size()))
                .containsExactly("@/app/jib-classpath-file", TolkMain.class.getName());
        assertThat(strings(config.path("config").path("Cmd"))).containsExactly("serve");
    }

    @Test
    void itListensOnAllInterfacesOnTheGatewaysPortAsANonRootUser() {
        JsonNode c = config.path("config");
        assertThat(c.path("ExposedPorts").has(GatewayConfig.DEFAULT_PORT + "/tcp"))
                .as("exposed ports %s", c.path("ExposedPorts")).isTrue();
        assertThat(env(c)).containsEntry("TOLK_HOST", "0.0.0.0").containsEntry("MALLOC_ARENA_MAX", "2")
                .containsEntry("XDG_DATA_HOME", "/data");
        Matcher user = Pattern.compile("(\\d+):(\\d+)").matcher(c.path("User").asText());
        assertThat(user.matches()).as("numeric uid:gid, got '%s'", c.path("User").asText()).isTrue();
        assertThat(Integer.parseInt(user.group(1))).isPositive();
        assertThat(Integer.parseInt(user.group(2))).isPositive();
        assertThat(config.path("os").asText()).isEqualTo("linux");
    }

    @Test
    void itCarriesOciLabels() {
        JsonNode labels = config.path("config").path("Labels");
        for (String l : List.of("title", "description", "version", "revision", "base.name")) {
            assertThat(labels.path("org.opencontainers.image." + l).asText()).as(l).isNotBlank();
        }
        assertThat(labels.path("org.opencontainers.image.version").asText()).contains("SNAPSHOT");
    }

    @Test
    void theLayersHoldTheGatewaysClassesAndEveryJarOfItsClasspath() throws Exception {
        List<String> files = new ArrayList<>();
        List<String> verbose = new ArrayList<>();
        for (JsonNode layer : manifest.path("layers")) {
            assertThat(layer.path("mediaType").asText()).isEqualTo(OCI_LAYER);
            String blob = blob(layer.path("digest").asText()).toString();
            files.addAll(run(List.of("tar", "--warning=no-unknown-keyword", "-tzf", blob)));
            verbose.addAll(run(List.of("tar", "--warning=no-unknown-keyword", "-tvzf", blob)));
        }
        // the default store's directory (XDG_DATA_HOME): writable by the image's user, who owns nothing else
        assertThat(verbose).anyMatch(l -> l.startsWith("drwxrwxrwx") && l.matches(".* /?data/?$"));
        assertThat(config.path("rootfs").path("diff_ids")).hasSameSizeAs(manifest.path("layers"));
        assertThat(files).contains("app/classes/dev/tolk/server/cli/TolkMain.class",
                "app/resources/logback.xml", "app/jib-classpath-file");
        assertThat(files).anyMatch(f -> f.matches("app/libs/tolk-core-.*\\.jar"))
                .anyMatch(f -> f.matches("app/libs/jetty-server-.*\\.jar"))
                .anyMatch(f -> f.matches("app/libs/jackson-dataformat-yaml-.*\\.jar"));
        List<String> jars = files.stream().filter(f -> f.startsWith("app/libs/") && f.endsWith(".jar"))
                .map(f -> "/" + f).toList();
        Path unpacked = unpackLayers();
        List<String> classpath = List.of(Files.readString(unpacked.resolve("app/jib-classpath-file")).strip()
                .split(":"));
        assertThat(classpath).containsAll(jars).contains("/app/classes", "/app/resources");
    }

    /**
     * The image's own filesystem and entrypoint, as a runtime starts them: a chroot into the unpacked layers (a private
     * mount namespace gives it /proc and /dev), the config's environment, its user. The gateway answers /health and
     * /ready (on its built-in simulator, on a loopback port for the test), runs as that user, and exits 0 on SIGTERM.
     */
    @Test
    void theImageStartsAsItsUserAndServesHealthAndReady() throws Exception {
        assumeThat(new ProcessBuilder("id", "-u").start().inputReader().readLine()).as("root, to chroot")
                .isEqualTo("0");
        assumeThat(Path.of("/usr/sbin/chroot")).isExecutable();
        assumeThat(new ProcessBuilder("unshare", "--mount", "true").start().waitFor()).as("unshare --mount")
                .isZero();
        Path root = unpackLayers();
        JsonNode c = config.path("config");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Map<String, String> env = env(c);
        env.put("TOLK_HOST", "127.0.0.1"); // as docker run -e would: the test binds loopback only
        env.put("TOLK_PORT", Integer.toString(port));
        env.put("VLLM_BASE_URL", "sim");
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount -t proc proc \"$0\"/proc && mount --rbind /dev \"$0\"/dev && exec env -i \"$@\"",
                root.toString()));
        env.forEach((k, v) -> command.add(k + "=" + v));
        command.addAll(List.of("/usr/sbin/chroot", "--userspec=" + c.path("User").asText(), root.toString()));
        command.addAll(strings(c.path("Entrypoint")));
        command.addAll(strings(c.path("Cmd")));
        Path log = dir.resolve("gateway.log");
        Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
        try {
            BufferedReader out = p.inputReader(StandardCharsets.UTF_8);
            CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return null;
                }
            });
            assertThat(ready.get(60, TimeUnit.SECONDS)).as("stdout; stderr: %s", new Object() {
                @Override
                public String toString() {
                    return read(log);
                }
            }).startsWith("Tolk listening on http://127.0.0.1:" + port);
            HttpClient http = HttpClient.newHttpClient();
            for (String path : List.of("/health", "/ready")) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
            }
            // unshare, sh, env and chroot each exec the next: the pid is the JVM's
            String status = Files.readString(Path.of("/proc/" + p.pid() + "/status"));
            String uid = c.path("User").asText().split(":")[0];
            assertThat(status).containsPattern("(?m)^Uid:\\s+" + uid + "\\s");
            p.destroy(); // SIGTERM: the graceful stop
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("stopped within the grace").isTrue();
            assertThat(p.exitValue()).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    private static Path unpacked;

    private static synchronized Path unpackLayers() throws Exception {
        if (unpacked == null) {
            Path root = Files.createDirectories(dir.resolve("rootfs"));
            for (JsonNode layer : manifest.path("layers")) {
                run(List.of("tar", "--warning=no-unknown-keyword", "-xzf", blob(layer.path("digest").asText())
                        .toString(), "-C", root.toString()));
            }
            unpacked = root;
        }
        return unpacked;
    }

    /** The gateway's JVM flags in the launcher (DEFAULT_JAVA_OPTS, with its JDK 25 additions), in order. */
    static List<String> launcherJvmFlags() throws IOException {
        String launcher = Files.readString(Repo.file("tolk"));
        List<String> flags = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^(?:\\(\\( JAVA_MAJOR >= 25 \\)\\) && )?DEFAULT_JAVA_OPTS\\+?=\\(([^)]*)\\)")
                .matcher(launcher);
        while (m.find()) {
            flags.addAll(List.of(m.group(1).strip().split("\\s+")));
        }
        assertThat(flags).as("DEFAULT_JAVA_OPTS in ./tolk").contains("-Xmx256m");
        return flags;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static Path blob(String digest) {
        assertThat(digest).startsWith("sha256:");
        return blobs.resolve(digest.substring("sha256:".length()));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Map<String, String> env(JsonNode c) {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode e : c.path("Env")) {
            String s = e.asText();
            out.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
        }
        return out;
    }

    /** Runs a command to its end; its stdout lines, or an AssertionError with its output when it fails. */
    private static List<String> run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
                .lines().toList();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", command, lines).isZero();
        return lines;
    }
}
