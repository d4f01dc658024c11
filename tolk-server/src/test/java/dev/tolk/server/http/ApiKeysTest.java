package dev.tolk.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Keys compare as SHA-256 digests with {@code MessageDigest.isEqual}: constant time, whatever their length. */
class ApiKeysTest {
    @Test
    void onlyAWholeConfiguredKeyIsAccepted() {
        ApiKeys keys = new ApiKeys(List.of("team-key-1", "team-key-2"));
        assertThat(keys.accepts("team-key-1", null)).isTrue();
        assertThat(keys.accepts(null, "Bearer team-key-2")).isTrue();
        assertThat(keys.accepts("team-key-", null)).isFalse();
        assertThat(keys.accepts("team-key-10", null)).isFalse();
        assertThat(keys.accepts("", null)).isFalse();
        assertThat(keys.accepts(null, "Bearer ")).isFalse();
        assertThat(keys.accepts(null, "team-key-1")).as("Authorization without the Bearer scheme").isFalse();
    }

}
