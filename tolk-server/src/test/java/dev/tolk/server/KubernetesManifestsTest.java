package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tolk.server.config.ConfigException;
import dev.tolk.server.config.ConfigLoader;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.sim.SimOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.RecordComponent;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * deploy/k8s (no cluster runs here): the manifests parse, carry what a rollout needs, and agree with the gateway they
 * deploy — its port, the paths it answers /ready and /health on (a real gateway is asked), the environment it reads,
 * its shutdown (measured on a real gateway with a stream that outlives the grace), the image's user, and the metric
 * the autoscaler reads (in a real gateway's /metrics, moving with an open stream).
 */
class KubernetesManifestsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** Jackson without the models' catch-all for unknown fields ({@code @JsonAnySetter}), so those fail. */
    private static final ObjectMapper STRICT = new ObjectMapper().setAnnotationIntrospector(
            new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(Annotated a) {
                    return Boolean.FALSE;
                }
            });
    /** Files under deploy/k8s that kustomization.yaml does not apply, each for a reason written in the file. */
    private static final Set<String> NOT_APPLIED = Set.of("secret.example.yaml", "prometheus-adapter-rules.yaml");
    /** Margin between the measured shutdown and the end of terminationGracePeriodSeconds, for a slower node. */
    private static final Duration MARGIN = Duration.ofSeconds(3);

    @Test
    void everyManifestParsesAndKustomizationAppliesEachOne() throws Exception {
        Path dir = Repo.file("deploy/k8s");
        JsonNode kustomization = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
        assertThat(kustomization.path("kind").asText()).isEqualTo("Kustomization");
        Set<String> listed = new TreeSet<>();
        kustomization.path("resources").forEach(r -> listed.add(r.asText()));
        Set<String> files = new TreeSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.yaml")) {
            ds.forEach(p -> files.add(p.getFileName().toString()));
        }
        files.remove("kustomization.yaml");
        Set<String> expected = new TreeSet<>(files);
        expected.removeAll(NOT_APPLIED);
        assertThat(listed).isEqualTo(expected);
        for (String f : files) {
            if (f.equals("prometheus-adapter-rules.yaml")) {
                continue; // Helm values, not a Kubernetes object
            }
            for (JsonNode doc : docs(dir.resolve(f))) {
                assertThat(doc.path("apiVersion").asText()).as(f + " apiVersion").isNotBlank();
                assertThat(doc.path("kind").asText()).as(f + " kind").isNotBlank();
                assertThat(doc.path("metadata").path("name").asText()).as(f + " metadata.name").isNotBlank();
            }
        }
        Set<String> kinds = new TreeSet<>(manifests().keySet());
        assertThat(kinds).contains("Deployment", "Service", "ConfigMap", "PodDisruptionBudget",
                "HorizontalPodAutoscaler");
    }

    /**
     * Each object read into the Kubernetes API's own model (fabric8's generated classes) with unknown fields refused:
     * a misspelt or misplaced field fails here, as the API server's strict field validation would reject it.
     */
    @Test
    void everyObjectReadsStrictlyIntoTheKubernetesApiModel() throws Exception {
        Path dir = Repo.file("deploy/k8s");
        Map<String, Class<?>> models = Map.of(
                "apps/v1 Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class,
                "v1 Service", io.fabric8.kubernetes.api.model.Service.class,
                "v1 ConfigMap", io.fabric8.kubernetes.api.model.ConfigMap.class,
                "v1 Secret", io.fabric8.kubernetes.api.model.Secret.class,
                "policy/v1 PodDisruptionBudget", io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class,
                "autoscaling/v2 HorizontalPodAutoscaler",
                io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class);
        List<String> read = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (JsonNode r : YAML.readTree(dir.resolve("kustomization.yaml").toFile()).path("resources")) {
            files.add(dir.resolve(r.asText()));
        }
        files.add(dir.resolve("secret.example.yaml"));
        for (Path f : files) {
            for (JsonNode doc : docs(f)) {
                String type = doc.path("apiVersion").asText() + " " + doc.path("kind").asText();
                assertThat(models).as(f.getFileName() + ": a known API version and kind").containsKey(type);
                STRICT.treeToValue(doc, models.get(type));
                read.add(type);
            }
        }
        assertThat(read).hasSize(6);
        // the strict reading does refuse what the API server would
        JsonNode typo = YAML.readTree("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n"
                + "  template:\n    spec:\n      containers: [{name: x, readinesProbe: {httpGet: {path: /ready}}}]\n");
        assertThatThrownBy(() -> STRICT.treeToValue(typo,
                io.fabric8.kubernetes.api.model.apps.Deployment.class)).hasMessageContaining("readinesProbe");
    }

    /** Where kubectl is installed, its built-in kustomize renders the set, with the image the kustomization names. */
    @Test
    void kubectlKustomizeRendersTheSetWithTheImage() throws Exception {
        Process which = new ProcessBuilder("sh", "-c", "command -v kubectl").start();
        assumeThat(which.waitFor()).as("kubectl on the PATH").isZero();
        Path dir = Repo.file("deploy/k8s");
        Process p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        List<JsonNode> rendered = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(out)) {
            it.forEachRemaining(rendered::add);
        }
        assertThat(rendered).extracting(d -> d.path("kind").asText()).containsExactlyInAnyOrderElementsOf(
                manifests().keySet());
        JsonNode image = YAML.readTree(dir.resolve("kustomization.yaml").toFile()).at("/images/0");
        JsonNode deployment = rendered.stream().filter(d -> d.path("kind").asText().equals("Deployment")).findFirst()
                .orElseThrow();
        assertThat(container(deployment).path("image").asText())
                .isEqualTo(image.path("newName").asText() + ":" + image.path("newTag").asText());
        assertThat(rendered).allSatisfy(d -> assertThat(d.at("/metadata/labels/app.kubernetes.io~1name").asText())
                .isEqualTo("tolk"));
    }

    @Test
    void selectorsPortsAndScalingTargetsPointAtTheDeployment() throws Exception {
        Map<String, JsonNode> m = manifests();
        JsonNode deployment = m.get("Deployment");
        JsonNode podLabels = deployment.at("/spec/template/metadata/labels");
        assertThat(deployment.at("/apiVersion").asText()).isEqualTo("apps/v1");
        JsonNode hpa = m.get("HorizontalPodAutoscaler");
        int replicas = hpa.at("/spec/minReplicas").asInt();
        assertThat(replicas).as("several replicas, at least").isGreaterThanOrEqualTo(2);
        assertThat(deployment.at("/spec/replicas").isMissingNode())
                .as("the HPA owns the replica count: a replicas field would reset it on each apply").isTrue();
        assertSubset(deployment.at("/spec/selector/matchLabels"), podLabels, "Deployment selector");
        assertSubset(m.get("Service").at("/spec/selector"), podLabels, "Service selector");
        assertSubset(m.get("PodDisruptionBudget").at("/spec/selector/matchLabels"), podLabels, "PDB selector");

        JsonNode pdb = m.get("PodDisruptionBudget").path("spec");
        assertThat(pdb.has("maxUnavailable") || pdb.has("minAvailable")).isTrue();
        if (pdb.has("maxUnavailable")) {
            assertThat(pdb.path("maxUnavailable").asInt()).isBetween(1, replicas - 1);
        }
        assertThat(hpa.path("apiVersion").asText()).isEqualTo("autoscaling/v2");
        assertThat(hpa.at("/spec/scaleTargetRef/kind").asText()).isEqualTo("Deployment");
        assertThat(hpa.at("/spec/scaleTargetRef/name").asText()).isEqualTo(deployment.at("/metadata/name").asText());
        assertThat(hpa.at("/spec/minReplicas").asInt()).isGreaterThanOrEqualTo(2)
                .isLessThan(hpa.at("/spec/maxReplicas").asInt());

        JsonNode container = container(deployment);
        int port = gatewayPort(m);
        JsonNode http = namedPort(container, "http");
        assertThat(http.path("containerPort").asInt()).as("the port the configured gateway listens on")
                .isEqualTo(port).isEqualTo(imagePort());
        assertThat(m.get("Service").at("/spec/ports/0/targetPort").asText()).isEqualTo("http");
        assertThat(deployment.at("/spec/template/metadata/annotations").path("prometheus.io/port").asText())
                .isEqualTo(Integer.toString(port));
        assertThat(deployment.at("/spec/template/metadata/annotations").path("prometheus.io/path").asText())
                .isEqualTo("/metrics");
    }

    @Test
    void theProbesAskPathsARealGatewayAnswersOnItsPort() throws Exception {
        Map<String, JsonNode> m = manifests();
        JsonNode container = container(m.get("Deployment"));
        JsonNode readiness = container.at("/readinessProbe/httpGet");
        JsonNode liveness = container.at("/livenessProbe/httpGet");
        assertThat(readiness.path("path").asText()).isEqualTo("/ready");
        assertThat(liveness.path("path").asText()).isEqualTo("/health");
        for (JsonNode probe : List.of(readiness, liveness)) {
            assertThat(namedPort(container, probe.path("port").asText()).path("containerPort").asInt())
                    .isEqualTo(gatewayPort(m));
        }
        // the readiness probe waits long enough for /ready's bounded fetch of an unloaded model list
        GatewayConfig configured = configured(m, Map.of()).config();
        assertThat(Duration.ofSeconds(container.at("/readinessProbe/timeoutSeconds").asInt()))
                .isGreaterThan(configured.connectTimeout());
        try (GatewayFixture f = new GatewayFixture(SimOptions.defaults(), c -> fromConfigMap(configured, c))) {
            HttpResponse<String> ready = f.get(readiness.path("path").asText());
            HttpResponse<String> health = f.get(liveness.path("path").asText());
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            assertThat(ready.body()).contains("ready");
            assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
            assertThat(health.body()).contains("ok");
            assertThat(f.get("/readyz").statusCode()).as("a path the gateway does not serve").isNotEqualTo(200);
        }
        try (GatewayFixture f = new GatewayFixture(SimOptions.defaults(), c -> fromConfigMap(configured, c))) {
            f.sim.close(); // no upstream: /ready must turn the pod unready while /health keeps it alive
            await().atMost(Duration.ofSeconds(15)).until(() -> f.get("/ready").statusCode() != 200);
            assertThat(f.get("/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theConfigMapIsAValidGatewayConfigurationAndEveryEnvVariableIsOneTheGatewayReads() throws Exception {
        Map<String, JsonNode> m = manifests();
        JsonNode container = container(m.get("Deployment"));
        List<String> args = new ArrayList<>();
        container.path("args").forEach(a -> args.add(a.asText()));
        assertThat(args).containsExactly("serve", "--config", configPath(m.get("Deployment")));
        ConfigLoader.Loaded loaded = configured(m, Map.of());
        assertThat(loaded.config().upstreams()).hasSizeGreaterThanOrEqualTo(1);
        assertThat(loaded.sources()).containsEntry("shutdown-grace-seconds", "file");

        Map<String, String> secretKeys = new TreeMap<>();
        JsonNode secret = YAML.readTree(Repo.file("deploy/k8s/secret.example.yaml").toFile());
        secret.path("stringData").properties().forEach(e -> secretKeys.put(e.getKey(), e.getValue().asText()));
        List<String> names = new ArrayList<>();
        for (JsonNode e : container.path("env")) {
            String name = e.path("name").asText();
            names.add(name);
            JsonNode ref = e.at("/valueFrom/secretKeyRef");
            assertThat(ref.isMissingNode()).as(name + " comes from a Secret").isFalse();
            assertThat(ref.path("name").asText()).isEqualTo(secret.at("/metadata/name").asText());
            assertThat(secretKeys).as("secret.example.yaml documents " + ref.path("key").asText())
                    .containsKey(ref.path("key").asText());
            Map<String, String> env = new HashMap<>(Map.of(name, "value-of-" + name));
            assertThat(configured(m, env).sources()).as(name + " is an environment variable the gateway reads "
                    + "(the sources tolk config shows)").containsValue("env " + name);
        }
        assertThat(names).contains("TOLK_DB_URL", "TOLK_ADMIN_KEY", "VLLM_API_KEY", "TOLK_API_KEYS");
        assertThat(secretKeys.keySet()).isEqualTo(new TreeSet<>(names));
    }

    /**
     * With service links on (the default), Kubernetes gives each pod {@code NAME_SERVICE_HOST}, {@code NAME_PORT=
     * tcp://IP:PORT} and more for every Service of its namespace: the Service {@code tolk} would set {@code TOLK_PORT},
     * the gateway's port setting, and the gateway would refuse to start. The pod turns them off.
     */
    @Test
    void serviceLinksAreOffBecauseTheServicesNameWouldSetTheGatewaysPort() throws Exception {
        Map<String, JsonNode> m = manifests();
        JsonNode service = m.get("Service");
        String prefix = service.at("/metadata/name").asText().toUpperCase(Locale.ROOT).replace('-', '_');
        int port = service.at("/spec/ports/0/port").asInt();
        String ip = "10.96.0.10";
        Map<String, String> links = Map.of(prefix + "_SERVICE_HOST", ip, prefix + "_SERVICE_PORT", "" + port,
                prefix + "_PORT", "tcp://" + ip + ":" + port, prefix + "_PORT_" + port + "_TCP", "tcp://" + ip + ":" + port,
                prefix + "_PORT_" + port + "_TCP_PROTO", "tcp", prefix + "_PORT_" + port + "_TCP_PORT", "" + port,
                prefix + "_PORT_" + port + "_TCP_ADDR", ip);
        assertThatThrownBy(() -> configured(m, links))
                .as("the links the Service would inject break the gateway's configuration")
                .isInstanceOf(ConfigException.class).hasMessageContaining("port");
        assertThat(m.get("Deployment").at("/spec/template/spec/enableServiceLinks").asBoolean(true)).isFalse();
    }

    /**
     * On SIGTERM the gateway closes its listener, lets open streams run for shutdown-grace-seconds, ends the rest and
     * stops. The preStop sleep comes before SIGTERM and counts against terminationGracePeriodSeconds, so
     * preStop + grace + the measured stop after the grace + a margin must fit in it, or the kubelet kills the pod
     * while streams are still being ended. The stop is measured with a stream that outlives a 1 s grace.
     */
    @Test
    void thePreStopAndTheGatewaysShutdownGraceFitInTheTerminationGracePeriod() throws Exception {
        Map<String, JsonNode> m = manifests();
        JsonNode pod = m.get("Deployment").at("/spec/template/spec");
        JsonNode container = container(m.get("Deployment"));
        int preStop = container.at("/lifecycle/preStop/sleep/seconds").asInt(-1);
        assertThat(preStop).as("preStop sleep while the pod leaves the Service's endpoints").isBetween(1, 30);
        Duration grace = configured(m, Map.of()).config().shutdownGrace();
        Duration period = Duration.ofSeconds(pod.path("terminationGracePeriodSeconds").asInt());

        Duration probe = Duration.ofSeconds(1);
        Duration afterGrace;
        GatewayConfig configured = configured(m, Map.of()).config();
        try (GatewayFixture f = new GatewayFixture(SimOptions.defaults(),
                c -> fromConfigMap(configured, c).withShutdownGrace(probe))) {
            f.sim.loadScenario("rules: [{reply: {text: '" + "word ".repeat(200) + "', chunks: 200, chunkDelayMs: 100}}]");
            try (Socket s = openStream(f)) {
                long start = System.nanoTime();
                f.tolk.close();
                Duration stop = Duration.ofNanos(System.nanoTime() - start);
                assertThat(stop).as("the stream outlived the grace, so the stop waited it out").isGreaterThanOrEqualTo(probe);
                afterGrace = stop.minus(probe);
                String rest = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(rest).contains("event: error").contains("shutting down");
            }
        }
        Duration needed = Duration.ofSeconds(preStop).plus(grace).plus(afterGrace).plus(MARGIN);
        assertThat(period).as("terminationGracePeriodSeconds >= preStop %d s + shutdown-grace %s + stop after the "
                + "grace %s (measured) + margin %s", preStop, grace, afterGrace, MARGIN).isGreaterThanOrEqualTo(needed);
    }

    @Test
    void theAutoscalersMetricIsTheGatewaysActiveStreamsGauge() throws Exception {
        Map<String, JsonNode> m = manifests();
        JsonNode metric = m.get("HorizontalPodAutoscaler").at("/spec/metrics/0");
        assertThat(metric.path("type").asText()).isEqualTo("Pods");
        String name = metric.at("/pods/metric/name").asText();
        assertThat(metric.at("/pods/target/type").asText()).isEqualTo("AverageValue");
        assertThat(metric.at("/pods/target/averageValue").asInt()).isPositive();

        // the adapter rule serves exactly that series under that name
        JsonNode rule = YAML.readTree(Repo.file("deploy/k8s/prometheus-adapter-rules.yaml").toFile())
                .at("/rules/custom/0");
        assertThat(rule.path("seriesQuery").asText()).startsWith(name + "{");
        assertThat(rule.at("/name/as").asText()).isEqualTo(name);
        assertThat(rule.at("/resources/overrides/pod/resource").asText()).isEqualTo("pod");

        try (GatewayFixture f = new GatewayFixture()) {
            String idle = f.get("/metrics").body();
            assertThat(idle).contains("# TYPE " + name + " gauge").containsPattern("(?m)^" + name + " 0\\.0$");
            f.sim.loadScenario("rules: [{reply: {text: '" + "word ".repeat(100) + "', chunks: 100, chunkDelayMs: 30}}]");
            try (Socket s = openStream(f)) {
                assertThat(f.get("/metrics").body()).as("one stream open").containsPattern("(?m)^" + name + " 1\\.0$");
                readUntil(s.getInputStream(), "event: message_stop");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> f.get("/metrics").body().contains("\n" + name + " 0.0"));
            }
        }
    }

    @Test
    void thePodRunsAsTheImagesUserWithTheResourcesItsHeapNeeds() throws Exception {
        JsonNode deployment = manifests().get("Deployment");
        JsonNode podSecurity = deployment.at("/spec/template/spec/securityContext");
        assertThat(podSecurity.path("runAsNonRoot").asBoolean()).isTrue();
        String user = imageUser();
        assertThat(podSecurity.path("runAsUser").asText() + ":" + podSecurity.path("runAsGroup").asText())
                .isEqualTo(user);
        JsonNode container = container(deployment);
        assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        // the JVM's temporary files need a writable /tmp under a read-only root
        assertThat(container.path("volumeMounts").findValuesAsText("mountPath")).contains("/tmp");

        JsonNode resources = container.path("resources");
        assertThat(resources.at("/requests/cpu").asText()).isNotBlank();
        long request = mebibytes(resources.at("/requests/memory").asText());
        long limit = mebibytes(resources.at("/limits/memory").asText());
        long heap = 0;
        for (String flag : ContainerImageTest.launcherJvmFlags()) {
            if (flag.startsWith("-Xmx")) {
                heap = mebibytes(flag.substring(4));
            }
        }
        // the launcher: RSS under load is about the heap's cap plus ≈ 110 MB of metaspace, code and stacks
        assertThat(limit).as("memory limit (MiB) vs -Xmx%dm", heap).isGreaterThanOrEqualTo(heap + 128);
        assertThat(request).isPositive().isLessThanOrEqualTo(limit);
    }

    private static Socket openStream(GatewayFixture f) throws IOException {
        Socket s = new Socket("127.0.0.1", f.tolk.port());
        String body = "{\"model\":\"m\",\"max_tokens\":2000,\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"go\"}]}";
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
        InputStream in = s.getInputStream();
        assertThat(new String(in.readNBytes(400), StandardCharsets.UTF_8)).contains("event: message_start");
        return s;
    }

    private static void readUntil(InputStream in, String marker) throws IOException {
        StringBuilder seen = new StringBuilder();
        byte[] buf = new byte[4096];
        for (int n; !seen.toString().contains(marker) && (n = in.read(buf)) > 0; ) {
            seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        assertThat(seen.toString()).contains(marker);
    }

    /** The ConfigMap's settings on the test's simulator and a loopback port. */
    private static GatewayConfig fromConfigMap(GatewayConfig configured, GatewayConfig fixture) {
        return configured.withUpstream(fixture.upstreams().getFirst().url(), false).withHost("127.0.0.1")
                .withPort(0);
    }

    /** The gateway's configuration as the pod starts it: the ConfigMap's file, the image's TOLK_HOST, {@code env}. */
    private static ConfigLoader.Loaded configured(Map<String, JsonNode> m, Map<String, String> env)
            throws IOException, ConfigException {
        Path file = Files.createTempFile("tolk", ".yaml");
        Files.writeString(file, m.get("ConfigMap").at("/data").path(
                Path.of(configPath(m.get("Deployment"))).getFileName().toString()).asText());
        Map<String, String> all = new HashMap<>(env);
        all.put("TOLK_HOST", "0.0.0.0");
        ConfigLoader.Flags flags = flagsWithConfig(file);
        try {
            return new ConfigLoader(all).load(flags);
        } finally {
            Files.delete(file);
        }
    }

    /** {@code --config FILE} and no other flag (by component name: the record grows with the gateway's flags). */
    private static ConfigLoader.Flags flagsWithConfig(Path file) {
        try {
            RecordComponent[] components = ConfigLoader.Flags.class.getRecordComponents();
            Object[] values = new Object[components.length];
            Class<?>[] types = new Class<?>[components.length];
            ConfigLoader.Flags none = ConfigLoader.Flags.none();
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                values[i] = components[i].getName().equals("config") ? file
                        : components[i].getAccessor().invoke(none);
            }
            return ConfigLoader.Flags.class.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static int gatewayPort(Map<String, JsonNode> m) throws Exception {
        return configured(m, Map.of()).config().port();
    }

    /** Where the Deployment mounts the ConfigMap's tolk.yaml: the mount path of the volume made from it. */
    private static String configPath(JsonNode deployment) {
        String volume = null;
        for (JsonNode v : deployment.at("/spec/template/spec/volumes")) {
            if (v.has("configMap")) {
                volume = v.path("name").asText();
            }
        }
        for (JsonNode mount : container(deployment).path("volumeMounts")) {
            if (mount.path("name").asText().equals(volume)) {
                return mount.path("mountPath").asText() + "/tolk.yaml";
            }
        }
        throw new AssertionError("no volume mount of the ConfigMap");
    }

    private static JsonNode container(JsonNode deployment) {
        JsonNode containers = deployment.at("/spec/template/spec/containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    private static JsonNode namedPort(JsonNode container, String name) {
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(name)) {
                return p;
            }
        }
        throw new AssertionError("no container port named " + name);
    }

    private static void assertSubset(JsonNode selector, JsonNode labels, String what) {
        assertThat(selector.isObject() && !selector.isEmpty()).as(what).isTrue();
        selector.properties().forEach(e -> assertThat(labels.path(e.getKey()).asText()).as(what + " " + e.getKey())
                .isEqualTo(e.getValue().asText()));
    }

    /** Every Kubernetes object that kustomization.yaml applies, by kind (one of each). */
    private static Map<String, JsonNode> manifests() throws IOException {
        Path dir = Repo.file("deploy/k8s");
        Map<String, JsonNode> byKind = new LinkedHashMap<>();
        for (JsonNode r : YAML.readTree(dir.resolve("kustomization.yaml").toFile()).path("resources")) {
            for (JsonNode doc : docs(dir.resolve(r.asText()))) {
                assertThat(byKind.put(doc.path("kind").asText(), doc)).as("one " + doc.path("kind")).isNull();
            }
        }
        return byKind;
    }

    private static List<JsonNode> docs(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null && !d.isNull() && !d.isMissingNode()) {
                    out.add(d);
                }
            }
        }
        assertThat(out).as(file + " holds a YAML document").isNotEmpty();
        return out;
    }

    private static String imageUser() throws IOException {
        Matcher m = Pattern.compile("<user>([^<]+)</user>").matcher(Files.readString(Repo.file("tolk-server/pom.xml")));
        assertThat(m.find()).as("<user> of the Jib configuration").isTrue();
        return m.group(1);
    }

    private static int imagePort() throws IOException {
        Matcher m = Pattern.compile("<ports><port>(\\d+)</port></ports>")
                .matcher(Files.readString(Repo.file("tolk-server/pom.xml")));
        assertThat(m.find()).as("<ports> of the Jib configuration").isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static long mebibytes(String quantity) {
        Matcher m = Pattern.compile("(\\d+)(Mi|Gi|m|g|M|G)").matcher(quantity);
        assertThat(m.matches()).as("a memory quantity in Mi/Gi (or a JVM size), got " + quantity).isTrue();
        long n = Long.parseLong(m.group(1));
        return m.group(2).equalsIgnoreCase("Gi") || m.group(2).equalsIgnoreCase("g") ? n * 1024 : n;
    }
}
