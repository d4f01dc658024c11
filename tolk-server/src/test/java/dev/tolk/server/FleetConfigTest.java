package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tolk.core.dispatch.RoutingPolicy;
import dev.tolk.server.config.ConfigException;
import dev.tolk.server.config.ConfigLoader;
import dev.tolk.server.config.UpstreamConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several upstreams from flags, VLLM_BASE_URL and YAML; routing settings; clear errors. */
class FleetConfigTest {
    @TempDir
    Path dir;

    private static ConfigLoader.Flags flags(String upstream, Path config, String routing, Double bound) {
        return new ConfigLoader.Flags(null, null, upstream, null, null, null, null, null, null, null, null, null, null,
                null, config, routing, bound, null, null, null);
    }

    @Test
    void oneUpstreamStaysOneUpstreamWithTheDefaults() throws Exception {
        var c = new ConfigLoader(Map.of("VLLM_API_KEY", "sk-1")).load(ConfigLoader.Flags.none()).config();
        assertThat(c.upstreams()).containsExactly(new UpstreamConfig("localhost:8000",
                java.net.URI.create("http://localhost:8000/"), "openai", "sk-1", 1, List.of()));
        assertThat(c.routing()).isEqualTo(RoutingPolicy.BOUNDED_AFFINITY);
        assertThat(c.loadBound()).isEqualTo(1.25);
        assertThat(c.failoverRetries()).isEqualTo(1);
    }

    @Test
    void repeatedFlagsAndACommaListInTheEnvironmentMakeAFleet() throws Exception {
        var fromEnv = new ConfigLoader(Map.of("VLLM_BASE_URL", "http://gpu1:8000/v1, http://gpu2:8000")).load(
                ConfigLoader.Flags.none()).config();
        assertThat(fromEnv.upstreams()).extracting(UpstreamConfig::name).containsExactly("gpu1:8000", "gpu2:8000");
        assertThat(fromEnv.upstream().toString()).isEqualTo("http://gpu1:8000/");
        var fromFlags = new ConfigLoader(Map.of("VLLM_BASE_URL", "http://env:1")).load(
                flags("http://a:1,http://b:2", null, "least-loaded", 1.5)).config();
        assertThat(fromFlags.upstreams()).extracting(UpstreamConfig::name).containsExactly("a:1", "b:2");
        assertThat(fromFlags.routing()).isEqualTo(RoutingPolicy.LEAST_LOADED);
        assertThat(fromFlags.loadBound()).isEqualTo(1.5);
    }

    @Test
    void yamlUpstreamsWithNamesKeysWeightsAndModels() throws Exception {
        Path f = dir.resolve("fleet.yaml");
        Files.writeString(f, """
                upstreams:
                  - url: http://gpu-a:8000
                    name: a
                    weight: 2
                    api-key-env: KEY_A
                    models: [qwen3-32b]
                  - http://gpu-b:8000
                routing: round-robin
                load-bound: 1.1
                failover-retries: 2
                health-probe-seconds: 3
                """);
        var l = new ConfigLoader(Map.of("KEY_A", "sk-a", "VLLM_API_KEY", "sk-fleet")).load(flags(null, f, null, null));
        var c = l.config();
        assertThat(c.upstreams()).containsExactly(
                new UpstreamConfig("a", java.net.URI.create("http://gpu-a:8000/"), "openai", "sk-a", 2,
                        List.of("qwen3-32b")),
                new UpstreamConfig("gpu-b:8000", java.net.URI.create("http://gpu-b:8000/"), "openai", "sk-fleet", 1,
                        List.of()));
        assertThat(c.routing()).isEqualTo(RoutingPolicy.ROUND_ROBIN);
        assertThat(c.loadBound()).isEqualTo(1.1);
        assertThat(c.failoverRetries()).isEqualTo(2);
        assertThat(c.probeInterval().toSeconds()).isEqualTo(3);
        assertThat(l.sources()).containsEntry("upstream", "file").containsEntry("routing", "file");
    }

    @Test
    void mistakesAreClearErrors() throws Exception {
        assertThatThrownBy(() -> load("upstream: http://a:1\nupstreams: [http://b:1]\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not both");
        assertThatThrownBy(() -> load("upstreams: [http://a:1, http://a:1]\n"))
                .hasMessageContaining("two upstreams are named a:1");
        assertThatThrownBy(() -> load("upstreams: [{url: http://a:1, protocol: grpc}]\n"))
                .hasMessageContaining("protocol must be 'openai'");
        assertThatThrownBy(() -> load("upstreams: [{url: http://a:1, api-key-env: NOPE}]\n"))
                .hasMessageContaining("NOPE");
        assertThatThrownBy(() -> load("upstreams: [{url: http://a:1, wieght: 2}]\n"))
                .hasMessageContaining("unknown setting 'wieght'");
        assertThatThrownBy(() -> load("routing: random\n")).hasMessageContaining("bounded-affinity");
        assertThatThrownBy(() -> load("load-bound: 0.5\n")).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(flags("sim,http://a:1", null, null, null)))
                .hasMessageContaining("'sim' cannot be one of several");
    }

    private void load(String yaml) throws Exception {
        Path f = dir.resolve("x.yaml");
        Files.writeString(f, yaml);
        new ConfigLoader(Map.of()).load(flags(null, f, null, null));
    }
}
