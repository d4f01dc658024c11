package dev.tolk.store.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class UsageSinceTest {
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    @Test
    void agesDatesAndInstants() {
        assertThat(UsageSince.parse("7d", NOW)).isEqualTo(Instant.parse("2026-11-29T12:00:00Z"));
        assertThat(UsageSince.parse("24h", NOW)).isEqualTo(Instant.parse("2026-12-05T12:00:00Z"));
        assertThat(UsageSince.parse("30m", NOW)).isEqualTo(Instant.parse("2026-12-06T11:30:00Z"));
        assertThat(UsageSince.parse("2w", NOW)).isEqualTo(Instant.parse("2026-11-22T12:00:00Z"));
        assertThat(UsageSince.parse("2026-12-01", NOW)).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(UsageSince.parse("2026-12-01T08:00:00Z", NOW)).isEqualTo(Instant.parse("2026-12-01T08:00:00Z"));
    }

    @Test
    void anythingElseSaysWhatItAccepts() {
        assertThatThrownBy(() -> UsageSince.parse("yesterday", NOW)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("7d").hasMessageContaining("2026-12-01");
        assertThatThrownBy(() -> UsageQuery.GroupBy.parse("team")).hasMessageContaining("key, session");
    }
}
