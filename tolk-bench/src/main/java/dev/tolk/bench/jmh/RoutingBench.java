package dev.tolk.bench.jmh;

import dev.tolk.core.dispatch.Fleet;
import dev.tolk.core.dispatch.RetryBudget;
import dev.tolk.core.dispatch.Route;
import dev.tolk.core.dispatch.RoutingHint;
import dev.tolk.core.dispatch.RoutingPolicy;
import dev.tolk.core.openai.request.ChatCompletionRequest;
import dev.tolk.core.openai.request.ChatMessage;
import dev.tolk.core.openai.request.FunctionTool;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The per-request cost of choosing an upstream ({@link Fleet#route}): conversation key + rendezvous ranking + the
 * look-up and update of where the conversation went last + the load bound over 4 upstreams, from Claude Code's session header, from {@code metadata.user_id}'s JSON, and from the hash
 * of a Claude Code-sized conversation start (a 40 KB system prompt, 20 tools) when neither is there; and one upstream
 * (nothing ranked).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoutingBench {
    @Param({"4"})
    int upstreams;

    private Fleet fleet;
    private Fleet single;
    private ChatCompletionRequest bare;
    private ChatCompletionRequest withUserId;
    private ChatCompletionRequest bigStart;
    private List<FunctionTool> tools;
    private final char[] systemPrompt = "x".repeat(40_000).toCharArray();
    private final RoutingHint header = RoutingHint.session("c57a7a1a-4af3-4384-9196-ae13066cf1c7");

    @Setup
    public void setup() {
        List<Fleet.Member> members = new ArrayList<>();
        for (int i = 0; i < upstreams; i++) {
            members.add(new Fleet.Member("gpu-" + i + ":8000", 1));
        }
        fleet = new Fleet(members, (i, m) -> true, RoutingPolicy.BOUNDED_AFFINITY, 1.25, 1, RetryBudget.defaults(),
                System::nanoTime);
        for (int i = 0; i < upstreams; i++) {
            for (int j = 0; j < i; j++) {
                fleet.member(i).load().begin(); // some load to weigh
            }
        }
        single = Fleet.single("only");
        bare = ChatCompletionRequest.builder("qwen3", List.of(ChatMessage.user("hi"))).build();
        withUserId = ChatCompletionRequest.builder("qwen3", List.of(ChatMessage.user("hi")))
                .user("{\"device_id\":\"ff8f7b5503939aa3815f39c92de749e5a1a3f2b285d0333ad463e29824f20b9a\","
                        + "\"account_uuid\":\"\",\"session_id\":\"c57a7a1a-4af3-4384-9196-ae13066cf1c7\"}").build();
        tools = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            tools.add(new FunctionTool("Tool" + i, "Does thing " + i + " ".repeat(200), null));
        }
        bigStart = ChatCompletionRequest.builder("qwen3", List.of(ChatMessage.system("x".repeat(40_000)),
                ChatMessage.user("fix the bug"))).tools(tools).build();
    }

    @Benchmark
    public Route sessionHeader() {
        return fleet.route("qwen3", header, bare);
    }

    @Benchmark
    public Route metadataUserId() {
        return fleet.route("qwen3", RoutingHint.NONE, withUserId);
    }

    @Benchmark
    public Route conversationStartHash() {
        return fleet.route("qwen3", RoutingHint.NONE, bigStart);
    }

    /**
     * As {@link #conversationStartHash} with a system prompt the key has not seen (a String caches its hash, and each
     * real request parses new Strings); {@link #freshSystemPromptOnly} is the copy alone, to subtract.
     */
    @Benchmark
    public Route conversationStartHashFresh() {
        return fleet.route("qwen3", RoutingHint.NONE, ChatCompletionRequest.builder("qwen3", List.of(
                ChatMessage.system(new String(systemPrompt)), ChatMessage.user("fix the bug"))).tools(tools).build());
    }

    @Benchmark
    public ChatCompletionRequest freshSystemPromptOnly() {
        return ChatCompletionRequest.builder("qwen3", List.of(ChatMessage.system(new String(systemPrompt)),
                ChatMessage.user("fix the bug"))).tools(tools).build();
    }

    @Benchmark
    public Route oneUpstream() {
        return single.route("qwen3", header, bare);
    }
}
