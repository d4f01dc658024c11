package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tolk.core.translate.ReasoningStyle;
import dev.tolk.server.config.ConfigException;
import dev.tolk.server.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flags > environment > YAML > defaults, the seed's environment names, and clear errors. */
class ConfigTest {
    @TempDir
    Path dir;

    static ConfigLoader.Flags flags(String upstream, Path config) {
        return new ConfigLoader.Flags(null, null, upstream, null, null, null, null, null, null, null, null, null, null,
                null, config, null, null, null, null, null);
    }

    @Test
    void defaultsFollowTheSeedsEnvironmentNames() throws Exception {
        var l = new ConfigLoader(Map.of()).load(ConfigLoader.Flags.none());
        assertThat(l.config().upstream().toString()).isEqualTo("http://localhost:8000/");
        assertThat(l.config().host()).isEqualTo("127.0.0.1");
        assertThat(l.config().port()).isEqualTo(8484);
        var env = new ConfigLoader(Map.of("VLLM_BASE_URL", "http://gpu:9000/v1", "OPENAI_API_KEY", "sk-o",
                "ANTHROPIC_MODEL", "qwen")).load(ConfigLoader.Flags.none());
        assertThat(env.config().upstream().toString()).isEqualTo("http://gpu:9000/");
        assertThat(env.config().upstreamApiKey()).isEqualTo("sk-o");
        assertThat(env.config().defaultModel()).isEqualTo("qwen");
        assertThat(new ConfigLoader(Map.of("VLLM_API_KEY", "sk-v", "OPENAI_API_KEY", "sk-o"))
                .load(ConfigLoader.Flags.none()).config().upstreamApiKey()).isEqualTo("sk-v");
    }

    @Test
    void threadMemoryIsSetInMibInTheFile() throws Exception {
        assertThat(new ConfigLoader(Map.of()).load(ConfigLoader.Flags.none()).config().threadMemoryBytes())
                .isEqualTo(256L << 20);
        Path f = dir.resolve("threads.yaml");
        Files.writeString(f, "thread-memory-mib: 64\n");
        var l = new ConfigLoader(Map.of()).load(flags(null, f));
        assertThat(l.config().threadMemoryBytes()).isEqualTo(64L << 20);
        assertThat(l.sources()).containsEntry("thread-memory-mib", "file");
        Files.writeString(f, "thread-memory-mib: -1\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(flags(null, f))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("thread-memory-mib");
    }

    @Test
    void flagsBeatEnvironmentBeatsFile() throws Exception {
        Path f = dir.resolve("tolk.yaml");
        Files.writeString(f, "upstream: http://file:1\nport: 9001\nreasoning-style: thinking\n"
                + "models:\n  - {match: '*haiku*', upstream: small}\n");
        var fromFile = new ConfigLoader(Map.of()).load(flags(null, f));
        assertThat(fromFile.config().upstream().getHost()).isEqualTo("file");
        assertThat(fromFile.config().port()).isEqualTo(9001);
        assertThat(fromFile.config().translation().reasoningStyle()).isEqualTo(ReasoningStyle.THINKING);
        assertThat(fromFile.config().routes()).hasSize(1);
        assertThat(fromFile.sources()).containsEntry("upstream", "file");
        var fromEnv = new ConfigLoader(Map.of("VLLM_BASE_URL", "http://env:2")).load(flags(null, f));
        assertThat(fromEnv.config().upstream().getHost()).isEqualTo("env");
        assertThat(fromEnv.sources()).containsEntry("upstream", "env VLLM_BASE_URL");
        var fromFlag = new ConfigLoader(Map.of("VLLM_BASE_URL", "http://env:2")).load(flags("http://flag:3", f));
        assertThat(fromFlag.config().upstream().getHost()).isEqualTo("flag");
    }

    @Test
    void badFilesKeysAndUrlsAreClearErrors() throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "upstreem: http://x\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(flags(null, f))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown setting 'upstreem'").hasMessageContaining("upstream");
        Files.writeString(f, "port: [1\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(flags(null, f))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot read config file");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(flags("ftp://x", null)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http(s) URL");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(flags(null, dir.resolve("missing.yaml"))))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void aConfigFileWithKeysReadableByOthersDrawsAWarning() throws Exception {
        Path f = dir.resolve("keys.yaml");
        Files.writeString(f, "api-keys: [k1]\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        var l = new ConfigLoader(Map.of()).load(flags(null, f));
        assertThat(l.warnings()).anyMatch(w -> w.contains("chmod 600"));
        assertThat(l.config().apiKeys()).isEqualTo(List.of("k1"));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        assertThat(new ConfigLoader(Map.of()).load(flags(null, f)).warnings()).isEmpty();
    }
}
