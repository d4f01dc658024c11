package dev.tolk.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.core.dispatch.Fleet;
import dev.tolk.core.dispatch.RetryBudget;
import dev.tolk.core.dispatch.RoutingHint;
import dev.tolk.core.dispatch.RoutingPolicy;
import dev.tolk.server.MessageReply;
import dev.tolk.server.TolkServer;
import dev.tolk.sim.RequestLog;
import dev.tolk.sim.SimFault;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Message threads on a fleet, over real HTTP: a continue goes to the instance that answered the turn before it,
 * whatever session header it carries, and when that instance dies it fails over with the whole conversation.
 */
class ThreadsFleetGatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The answer needs the whole conversation: a lone tool result has no user text to match. */
    private static final String SCENARIO = """
            rules:
              - match: {hasToolResults: false, lastUserText: Oslo}
                reply: {text: 'Let me look.', toolCalls: [{name: get_weather, arguments: {city: Oslo}}]}
              - match: {hasToolResults: true, lastUserText: Oslo}
                reply: {text: 'It is sunny in Oslo.', chunks: 3}
            """;

    private static ObjectNode create(boolean stream, String userText) {
        ObjectNode b = JSON.createObjectNode().put("model", "m").put("max_tokens", 200).put("stream", stream)
                .put("system", "You answer about weather.");
        ObjectNode tool = b.putArray("tools").addObject().put("name", "get_weather").put("description", "weather");
        tool.putObject("input_schema").put("type", "object").putObject("properties").putObject("city")
                .put("type", "string");
        b.putObject("thread").put("type", "create");
        b.putArray("messages").addObject().put("role", "user").put("content", userText);
        return b;
    }

    private static ObjectNode toolResultContinue(boolean stream, Reply previous) {
        ObjectNode b = JSON.createObjectNode().put("model", "m").put("max_tokens", 200).put("stream", stream);
        b.putObject("thread").put("type", "continue").put("previous_message_id", previous.id());
        b.putArray("messages").addObject().put("role", "user").putArray("content").addObject()
                .put("type", "tool_result").put("tool_use_id", previous.toolUseId()).put("content", "sunny, 21 C");
        return b;
    }

    private static ObjectNode textContinue(Reply previous, String text) {
        ObjectNode b = JSON.createObjectNode().put("model", "m").put("max_tokens", 200);
        b.putObject("thread").put("type", "continue").put("previous_message_id", previous.id());
        b.putArray("messages").addObject().put("role", "user").put("content", text);
        return b;
    }

    /** An answer (JSON or SSE) folded into its id, its tool_use id, its text and the simulator that served it. */
    private record Reply(String id, String toolUseId, String text, int servedBy) {}

    private static Reply send(FleetFixture f, TolkServer t, String session, JsonNode body) throws Exception {
        HttpResponse<String> r = f.send(t, session, body.toString());
        MessageReply m = MessageReply.of(r);
        assertThat(r.body()).doesNotContain("\"type\":\"error\"");
        return new Reply(m.id(), m.toolUseId(), m.text(), f.servedBy(r));
    }

    /** The last chat request simulator {@code sim} received. */
    private static JsonNode lastChat(FleetFixture f, int sim) {
        List<RequestLog.Entry> log = f.sims.get(sim).requests();
        for (int i = log.size() - 1; i >= 0; i--) {
            if (log.get(i).path().equals("/v1/chat/completions")) {
                return log.get(i).body();
            }
        }
        throw new AssertionError("no chat request reached simulator " + sim);
    }

    /** The simulator a continue of thread {@code threadKey} would go to first without its pin. */
    private static int rankedFirst(String threadKey) {
        List<Fleet.Member> members = List.of(new Fleet.Member("sim0", 1), new Fleet.Member("sim1", 1),
                new Fleet.Member("sim2", 1));
        Fleet fleet = new Fleet(members, (i, model) -> true, RoutingPolicy.AFFINITY, Fleet.DEFAULT_LOAD_BOUND, 1,
                RetryBudget.defaults(), System::nanoTime);
        return fleet.route("m", new RoutingHint(null, threadKey, null), null).at(0);
    }

    @Test
    void aThreadContinuesOnTheInstanceThatAnsweredItWhateverSessionHeaderIsSent() throws Exception {
        try (FleetFixture f = new FleetFixture(3)) {
            f.fleet.loadScenario(SCENARIO);
            TolkServer t = f.tolk(RoutingPolicy.BOUNDED_AFFINITY);
            Set<Integer> homes = new HashSet<>();
            for (int n = 0; n < 8; n++) {
                boolean stream = n % 2 == 0;
                Reply first = send(f, t, "create-" + n, create(stream, "What is the weather in Oslo? (" + n + ")"));
                assertThat(first.toolUseId()).isNotNull();
                int home = first.servedBy();
                homes.add(home);
                // another session header, then none: the thread decides, not the header or the first message
                Reply second = send(f, t, "other-session-" + n, toolResultContinue(!stream, first));
                assertThat(second.text()).isEqualTo("It is sunny in Oslo.");
                assertThat(second.servedBy()).as("thread %d, second turn", n).isEqualTo(home);
                Reply third = send(f, t, null, textContinue(second, "Thanks! And Oslo tomorrow?"));
                assertThat(third.servedBy()).as("thread %d, third turn", n).isEqualTo(home);
                assertThat(lastChat(f, home).get("messages")).hasSize(6);
            }
            assertThat(homes).as("the creates spread, so the pin is not just one busy instance").hasSizeGreaterThan(1);
        }
    }

    @ParameterizedTest(name = "stream={0}")
    @ValueSource(booleans = {false, true})
    void aContinueWhoseInstanceDiedFailsOverWithTheWholeConversationAndStaysThere(boolean stream) throws Exception {
        try (FleetFixture f = new FleetFixture(3)) {
            f.fleet.loadScenario(SCENARIO);
            TolkServer t = f.tolk(RoutingPolicy.BOUNDED_AFFINITY);
            // a thread whose own ranking puts its home first: had the pin not moved with the failover, the last
            // turn would go back home once it is up again
            Reply first = null;
            for (int n = 0; n < 40 && (first == null || rankedFirst(first.id()) != first.servedBy()); n++) {
                first = send(f, t, "s-kill", create(stream, "What is the weather in Oslo? (" + n + ")"));
            }
            int home = first.servedBy();
            assertThat(rankedFirst(first.id())).isEqualTo(home);
            f.sims.get(home).fault(SimFault.down());

            Reply second = send(f, t, null, toolResultContinue(stream, first));
            assertThat(second.text()).isEqualTo("It is sunny in Oslo.");
            int moved = second.servedBy();
            assertThat(moved).isNotEqualTo(home).isNotEqualTo(-1);
            JsonNode sent = lastChat(f, moved);
            assertThat(sent.get("messages")).extracting(m -> m.get("role").asText())
                    .containsExactly("system", "user", "assistant", "tool");
            assertThat(sent.get("messages").get(1).get("content").toString()).contains("weather in Oslo?");
            assertThat(sent.get("messages").get(3).get("tool_call_id").asText()).isEqualTo(first.toolUseId());

            // the dead instance comes back; the thread stays where its cache now is, the instance that answered
            f.sims.get(home).fault(SimFault.none());
            await().atMost(Duration.ofSeconds(15)).until(() -> f.get(t, "/metrics").body()
                    .contains("tolk_upstream_up{upstream=\"sim" + home + "\"} 1.0"));
            Reply third = send(f, t, "s-kill", textContinue(second, "Thanks! And Oslo tomorrow?"));
            assertThat(third.servedBy()).isEqualTo(moved);
            assertThat(lastChat(f, moved).get("messages")).hasSize(6);
        }
    }
}
