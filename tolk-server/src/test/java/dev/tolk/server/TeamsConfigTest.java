package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tolk.server.config.ConfigException;
import dev.tolk.server.config.ConfigLoader;
import dev.tolk.server.config.UpstreamConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fair queue's settings: upstream capacity and priority scheduling, fair-queue, queue-wait (YAML and flag). */
class TeamsConfigTest {
    @TempDir
    Path dir;

    private static ConfigLoader.Flags flags(Path config, Integer queueWait) {
        return new ConfigLoader.Flags(null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, config, null, null, null, null, queueWait);
    }

    @Test
    void defaultsHoldNothingForLongerThanAMinute() throws Exception {
        var c = new ConfigLoader(Map.of()).load(ConfigLoader.Flags.none()).config();
        assertThat(c.fairQueue()).isTrue();
        assertThat(c.queueWait()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.upstreams()).allSatisfy(u -> {
            assertThat(u.capacity()).isZero();
            assertThat(u.priorityScheduling()).isFalse();
        });
    }

    @Test
    void yamlGivesCapacitiesPrioritySchedulingAndTheQueueAndTheFlagWins() throws Exception {
        Path f = dir.resolve("t.yaml");
        Files.writeString(f, """
                upstreams:
                  - {url: "http://gpu-a:8000", capacity: 16, priority-scheduling: true}
                  - http://gpu-b:8000
                fair-queue: false
                queue-wait-seconds: 30
                """);
        var c = new ConfigLoader(Map.of()).load(flags(f, null)).config();
        assertThat(c.upstreams()).extracting(UpstreamConfig::capacity).containsExactly(16, 0);
        assertThat(c.upstreams()).extracting(UpstreamConfig::priorityScheduling).containsExactly(true, false);
        assertThat(c.fairQueue()).isFalse();
        assertThat(c.queueWait()).isEqualTo(Duration.ofSeconds(30));
        assertThat(new ConfigLoader(Map.of()).load(flags(f, 5)).config().queueWait()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void badValuesStopStartUpWithAMessage() throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "upstreams: [{url: \"http://a:1\", capacity: -1}]\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(flags(f, null)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("capacity");
        Path g = dir.resolve("bad2.yaml");
        Files.writeString(g, "queue-wait-seconds: 0\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(flags(g, null)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("queue-wait-seconds");
    }
}
