package dev.tolk.core.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.core.openai.request.ChatCompletionRequest;
import dev.tolk.core.openai.request.ChatMessage;
import dev.tolk.core.openai.request.FunctionTool;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The conversation key, the retry budget, the health back-off, the recent conversations and the Prometheus reader. */
class FleetPiecesTest {
    private static final String CLAUDE_USER_ID = "{\"device_id\":\"ff8f7b55\",\"account_uuid\":\"\","
            + "\"session_id\":\"c57a7a1a-4af3-4384-9196-ae13066cf1c7\"}";

    private static ChatCompletionRequest chat(String user, String system, String firstUser, String... later) {
        List<ChatMessage> m = new ArrayList<>();
        m.add(ChatMessage.system(system));
        m.add(ChatMessage.user(firstUser));
        for (String l : later) {
            m.add(ChatMessage.assistant("ok", null, null));
            m.add(ChatMessage.user(l));
        }
        return ChatCompletionRequest.builder("m", m).user(user)
                .tools(List.of(new FunctionTool("Bash", "run a command", null))).build();
    }

    @Test
    void theSessionHeaderWinsThenTheUserIdsSessionThenTheConversationsStart() {
        long header = ConversationKey.of("c57a7a1a-4af3-4384-9196-ae13066cf1c7", chat(null, "sys", "q"));
        assertThat(ConversationKey.of(null, chat(CLAUDE_USER_ID, "other", "x"))).isEqualTo(header);
        assertThat(ConversationKey.sessionOf(CLAUDE_USER_ID)).isEqualTo("c57a7a1a-4af3-4384-9196-ae13066cf1c7");
        assertThat(ConversationKey.sessionOf("user_abc_account__session_1234")).isEqualTo("1234");
        assertThat(ConversationKey.sessionOf("{\"device_id\":\"x\"}")).isNull();
        assertThat(ConversationKey.sessionOf("{\"session_id\" : \"a\\\"b\"}")).isEqualTo("a\"b");
        assertThat(ConversationKey.sessionOf("{\"session_id\":\"\"}")).isNull();
        assertThat(ConversationKey.sessionOf("{\"session_id\":42}")).isNull();
        // no session: the later turns of one conversation share the key, another conversation does not
        long turn1 = ConversationKey.of(null, chat(null, "sys", "q"));
        assertThat(ConversationKey.of(null, chat(null, "sys", "q", "more", "and more"))).isEqualTo(turn1);
        assertThat(ConversationKey.of(null, chat(null, "sys", "another question"))).isNotEqualTo(turn1);
        assertThat(ConversationKey.of(null, chat(null, "another system", "q"))).isNotEqualTo(turn1);
        assertThat(ConversationKey.of(null, chat("{\"device_id\":\"x\"}", "sys", "q"))).isEqualTo(turn1);
    }

    @Test
    void theRetryBudgetKeepsRetriesUnderAFifthPlusTheReserve() {
        RetryBudget b = new RetryBudget(0.2, 10);
        int retries = 0;
        for (int i = 0; i < 1000; i++) {
            b.deposit();
            if (b.tryRetry()) {
                retries++;
            }
        }
        assertThat(retries).isBetween(200, 210);
        RetryBudget none = new RetryBudget(0.2, 0);
        none.deposit();
        assertThat(none.tryRetry()).isFalse();
        for (int i = 0; i < 4; i++) {
            none.deposit();
        }
        assertThat(none.tryRetry()).isTrue();
        assertThat(none.tryRetry()).isFalse();
    }

    @Test
    void recentConversationsRememberTheirLastUpstreamAndCountEachOnceWhereItIs() {
        RecentConversations r = new RecentConversations(3);
        long t = 5_000_000_000L;
        assertThat(r.placeOf(42, t)).isEqualTo(-1);
        r.sent(42, 1, t);
        r.sent(43, 1, t + 1);
        r.sent(44, 2, t + 2);
        assertThat(r.placeOf(42, t + 3)).isEqualTo(1);
        assertThat(List.of(r.active(0, t + 3), r.active(1, t + 3), r.active(2, t + 3))).containsExactly(0, 2, 1);
        r.sent(42, 1, t + 2_000_000_000L); // its next turn, a second later, in another bucket: still one conversation
        r.sent(43, 0, t + 2_000_000_000L); // moved: counted where it is now
        long now = t + 2_000_000_001L;
        assertThat(List.of(r.active(0, now), r.active(1, now), r.active(2, now))).containsExactly(1, 1, 1);
        assertThat(r.placeOf(43, now)).isEqualTo(0);
        // a key in the same slot takes it over: the first is forgotten
        long collides = 42 + RecentConversations.SLOTS;
        r.sent(collides, 2, now);
        assertThat(r.placeOf(42, now)).isEqualTo(-1);
        assertThat(r.placeOf(collides, now)).isEqualTo(2);
        // out of the active window: not counted, but remembered; forgotten after REMEMBER_NANOS
        long later = now + RecentConversations.ACTIVE_NANOS + 1_000_000_000L;
        assertThat(List.of(r.active(0, later), r.active(1, later), r.active(2, later))).containsExactly(0, 0, 0);
        assertThat(r.placeOf(43, later)).isEqualTo(0);
        assertThat(r.placeOf(43, now + RecentConversations.REMEMBER_NANOS + 1)).isEqualTo(-1);
        r.sent(44, 2, later); // back after the window: counted again, once
        assertThat(r.active(2, later)).isEqualTo(1);
    }

    @Test
    void aFleetsCatalogIsNotLoadedWhileAFirstListIsStillComing() throws Exception {
        List<java.util.concurrent.CompletableFuture<ModelCatalog.Fetched>> answers = new ArrayList<>();
        List<ModelCatalog> catalogs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            var answer = new java.util.concurrent.CompletableFuture<ModelCatalog.Fetched>();
            answers.add(answer);
            catalogs.add(new ModelCatalog(() -> answer, java.util.Map.of(), System::nanoTime));
        }
        List<java.util.Set<String>> all = new ArrayList<>();
        all.add(null);
        all.add(null);
        FleetCatalog fleet = new FleetCatalog(catalogs, all);
        byte[] models = "{\"data\":[{\"id\":\"m\",\"max_model_len\":8192}]}".getBytes();
        catalogs.forEach(ModelCatalog::startLoading);
        answers.get(0).complete(new ModelCatalog.Fetched(200, models));
        assertThat(fleet.loaded()).as("the second list is on its way: routing now would leave it out").isFalse();
        Thread waiter = Thread.ofVirtual().start(fleet::awaitLoaded);
        waiter.join(200);
        assertThat(waiter.isAlive()).as("waits for the list under way").isTrue();
        answers.get(1).complete(new ModelCatalog.Fetched(200, models));
        waiter.join(5000);
        assertThat(waiter.isAlive()).isFalse();
        assertThat(fleet.loaded()).isTrue();
        assertThat(fleet.serves(0, "m") && fleet.serves(1, "m")).isTrue();
    }

    @Test
    void theBackOffGrowsWhileFailingAndAProbeBringsItBack() {
        UpstreamHealth h = new UpstreamHealth();
        long t = 0;
        assertThat(h.up()).isTrue();
        h.failed(t);
        assertThat(h.up()).isFalse();
        assertThat(h.ejectedUntil()).isEqualTo(UpstreamHealth.BASE_BACKOFF_NANOS);
        assertThat(h.probeDue(UpstreamHealth.BASE_BACKOFF_NANOS - 1)).isFalse();
        h.failed(UpstreamHealth.BASE_BACKOFF_NANOS - 1); // the same outage: no longer back-off
        assertThat(h.ejectedUntil()).isEqualTo(UpstreamHealth.BASE_BACKOFF_NANOS);
        assertThat(h.probeDue(UpstreamHealth.BASE_BACKOFF_NANOS)).isTrue();
        t = UpstreamHealth.BASE_BACKOFF_NANOS;
        h.failed(t); // the probe failed too
        assertThat(h.ejectedUntil() - t).isEqualTo(2 * UpstreamHealth.BASE_BACKOFF_NANOS);
        for (int i = 0; i < 40; i++) {
            t = h.ejectedUntil();
            h.failed(t);
        }
        assertThat(h.ejectedUntil() - t).isEqualTo(UpstreamHealth.MAX_BACKOFF_NANOS);
        h.probeSucceeded();
        assertThat(h.up()).isTrue();
        h.failed(t);
        assertThat(h.ejectedUntil() - t).isEqualTo(UpstreamHealth.BASE_BACKOFF_NANOS);
    }

    @Test
    void prometheusTextIsReadWithLabelsEscapesAndComments() {
        String text = """
                # HELP vllm:num_requests_running Number of requests in model execution batches.
                # TYPE vllm:num_requests_running gauge
                vllm:num_requests_running{engine="0",model_name="qwen"} 3.0
                vllm:num_requests_running{engine="1",model_name="qwen"} 2.0
                vllm:num_requests_waiting{engine="0",model_name="qwen"} 4.0
                vllm:kv_cache_usage_perc{engine="0",model_name="qwen"} 0.5
                vllm:kv_cache_usage_perc{engine="1",model_name="qwen"} 0.7
                odd{path="a \\"quoted\\" },{ b",x="\\\\"} 1e3 1700000000000
                broken{unterminated="x 1
                nan_metric NaN
                """;
        List<String> seen = new ArrayList<>();
        PrometheusText.read(text, (name, labels, value) -> seen.add(name + labels + "=" + value));
        assertThat(seen).contains("odd{path=a \"quoted\" },{ b, x=\\}=1000.0",
                "vllm:num_requests_running{engine=0, model_name=qwen}=3.0");
        assertThat(seen).noneMatch(s -> s.startsWith("broken"));
        UpstreamLoad.Scraped s = PrometheusText.vllmLoad(text, 7);
        assertThat(s.running()).isEqualTo(5.0);
        assertThat(s.waiting()).isEqualTo(4.0);
        assertThat(s.kvCacheUsage()).isEqualTo(0.6, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(PrometheusText.vllmLoad("tolk_requests_total 3\n", 7)).isNull();
    }
}
