package dev.tolk.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.server.http.FinishedRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryUsageTest {
    private static FinishedRequest turn(String key, String session, int status, long in, long cached, long out,
                                        long ttftMillis, long at) {
        return new FinishedRequest("req_" + at, at, "/v1/messages", key, session, "claude-sonnet-4-5", "qwen3",
                "gpu-a", status, in, cached, out, ttftMillis < 0 ? -1 : ttftMillis * 1_000_000, 5_000_000L,
                "end_turn", null);
    }

    @Test
    void countsPerKeyAndPerSessionWithTheMedianTimeToFirstToken() {
        InMemoryUsage u = new InMemoryUsage();
        u.finished(turn("api-key-1", "s1", 200, 100, 0, 10, 30, 1000));
        u.finished(turn("api-key-1", "s1", 200, 20, 100, 10, 10, 2000));
        u.finished(turn("api-key-1", "s1", 200, 20, 200, 10, 20, 3000));
        u.finished(turn("api-key-2", "s2", 400, 0, 0, 0, -1, 4000));
        u.finished(turn("api-key-2", null, 200, 1000, 0, 500, 5, 5000));
        u.finished(new FinishedRequest("req_x", 6000, "/v1/models", "api-key-2", "s2", null, null, null, 200, 0, 0,
                0, -1, 1, null, null)); // not a Messages call: not counted

        List<KeyTotals> keys = u.keys();
        assertThat(keys).extracting(KeyTotals::key).containsExactly("api-key-2", "api-key-1"); // most tokens first
        assertThat(keys.get(1)).isEqualTo(new KeyTotals("api-key-1", 3, 0, 140, 300, 30, 3005));
        assertThat(keys.get(0).requests()).isEqualTo(2);
        assertThat(keys.get(0).errors()).isEqualTo(1);

        List<SessionTotals> sessions = u.sessions(10);
        assertThat(sessions).extracting(SessionTotals::session).containsExactly("s2", "s1");
        SessionTotals s1 = sessions.get(1);
        assertThat(s1.turns()).isEqualTo(3);
        assertThat(s1.ttftP50Millis()).isEqualTo(20);
        assertThat(s1.cacheShare()).isEqualTo(300.0 / 440);
        assertThat(s1.firstSeenEpochMillis()).isEqualTo(1000);
        assertThat(s1.lastSeenEpochMillis()).isEqualTo(3005);
        assertThat(s1.clientModels()).containsExactly("claude-sonnet-4-5");
        assertThat(s1.upstreamModels()).containsExactly("qwen3");
        assertThat(sessions.get(0).ttftP50Millis()).isEqualTo(-1);
        assertThat(sessions.get(0).errors()).isEqualTo(1);
    }

    @Test
    void keepsTheSessionsSeenMostRecently() {
        InMemoryUsage u = new InMemoryUsage();
        for (int i = 0; i < InMemoryUsage.MAX_SESSIONS; i++) {
            u.finished(turn("k", "s" + i, 200, 1, 0, 1, 1, i));
        }
        u.finished(turn("k", "s0", 200, 1, 0, 1, 1, 5000)); // s0 seen again: s1 is now the oldest
        u.finished(turn("k", "new", 200, 1, 0, 1, 1, 6000));
        List<SessionTotals> all = u.sessions(InMemoryUsage.MAX_SESSIONS + 10);
        assertThat(all).hasSize(InMemoryUsage.MAX_SESSIONS);
        assertThat(all).extracting(SessionTotals::session).startsWith("new", "s0").doesNotContain("s1");
        assertThat(all.get(1).turns()).isEqualTo(2);
        assertThat(u.sessions(3)).hasSize(3);
    }

    @Test
    void aSessionsMedianIsOverItsLatestTurns() {
        InMemoryUsage u = new InMemoryUsage();
        for (int i = 0; i < InMemoryUsage.TTFT_SAMPLES; i++) {
            u.finished(turn("k", "s", 200, 1, 0, 1, 10_000, i)); // slow turns, then as many fast ones
        }
        for (int i = 0; i < InMemoryUsage.TTFT_SAMPLES; i++) {
            u.finished(turn("k", "s", 200, 1, 0, 1, 100, 100 + i));
        }
        assertThat(u.sessions(1).get(0).ttftP50Millis()).isEqualTo(100);
    }
}
