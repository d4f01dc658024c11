package dev.tolk.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fleet bench's sessions: each grows turn by turn from its own start, as a Claude Code session's prompt does. */
class FleetWorkloadTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static FleetWorkload workload;

    @BeforeAll
    static void load() throws Exception {
        workload = FleetWorkload.fromFixtures(Requests.claudeCodeFixtures(), 2000);
    }

    private static JsonNode turn(int session, int turn) throws Exception {
        return JSON.readTree(workload.request(session, turn));
    }

    @Test
    void eachTurnIsThePreviousTurnPlusAReplyAndAToolResult() throws Exception {
        JsonNode previous = turn(3, 1);
        assertThat(previous.path("messages")).hasSize(2);
        for (int t = 2; t <= 6; t++) {
            JsonNode next = turn(3, t);
            JsonNode msgs = next.path("messages");
            assertThat(msgs).hasSize(previous.path("messages").size() + 2);
            for (int i = 0; i < previous.path("messages").size(); i++) {
                assertThat(withoutCacheMarker(msgs.get(i))).as("turn %d message %d", t, i)
                        .isEqualTo(withoutCacheMarker(previous.path("messages").get(i)));
            }
            JsonNode reply = msgs.get(msgs.size() - 2);
            JsonNode result = msgs.get(msgs.size() - 1);
            assertThat(reply.path("role").asText()).isEqualTo("assistant");
            assertThat(reply.at("/content/1/type").asText()).isEqualTo("tool_use");
            assertThat(result.path("role").asText()).isEqualTo("user");
            assertThat(result.at("/content/0/tool_use_id").asText()).isEqualTo(reply.at("/content/1/id").asText());
            assertThat(result.at("/content/0/content").asText()).hasSize(2000);
            assertThat(next.path("system")).isEqualTo(previous.path("system"));
            assertThat(next.path("tools")).isEqualTo(previous.path("tools"));
            previous = next;
        }
    }

    @Test
    void claudeCodesCacheMarkerMovesToTheNewestToolResult() throws Exception {
        JsonNode msgs = turn(0, 5).path("messages");
        assertThat(msgs.get(msgs.size() - 1).at("/content/0/cache_control/type").asText()).isEqualTo("ephemeral");
        for (int i = 3; i < msgs.size() - 1; i += 2) {
            assertThat(msgs.get(i).at("/content/0/cache_control").isMissingNode()).as("tool result %d", i).isTrue();
        }
    }

    @Test
    void sessionsHaveTheirOwnStartIdAndText() throws Exception {
        JsonNode a = turn(1, 2);
        JsonNode b = turn(2, 2);
        assertThat(FleetWorkload.sessionId(1)).isNotEqualTo(FleetWorkload.sessionId(2)).hasSize(36);
        assertThat(a.at("/messages/0")).isNotEqualTo(b.at("/messages/0"));
        // the role:"system" environment message names the session's own working directory
        assertThat(a.at("/messages/1/role").asText()).isEqualTo("system");
        assertThat(a.at("/messages/1/content").toString()).contains("/home/dev/project-1")
                .doesNotContain("/home/dev/project-2");
        assertThat(a.at("/messages/3")).isNotEqualTo(b.at("/messages/3"));
        // Claude Code sends the session id in metadata.user_id (a JSON string) as well as in its header
        JsonNode userId = JSON.readTree(a.at("/metadata/user_id").asText());
        assertThat(userId.path("session_id").asText()).isEqualTo(FleetWorkload.sessionId(1));
        // the recorded system prompt and tools are shared by every session, as for one Claude Code version
        assertThat(a.path("tools")).isEqualTo(b.path("tools"));
        assertThat(a.path("stream").asBoolean()).isTrue();
    }

    @Test
    void everyTurnTranslatesForTheUpstream() throws Exception {
        JsonNode openAi = JSON.readTree(DirectTranslation.toOpenAi(workload.request(5, 4), "qwen3-sim"));
        assertThat(openAi.path("model").asText()).isEqualTo("qwen3-sim");
        assertThat(openAi.path("stream").asBoolean()).isTrue();
        assertThat(openAi.path("messages").toString()).contains("File3.java of project-5");
    }

    private static JsonNode withoutCacheMarker(JsonNode message) {
        JsonNode copy = message.deepCopy();
        for (JsonNode block : copy.path("content")) {
            if (block.isObject()) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) block).remove("cache_control");
            }
        }
        return copy;
    }
}
