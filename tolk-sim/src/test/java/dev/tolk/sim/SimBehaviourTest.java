package dev.tolk.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.FunctionDefinition;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK parses what the simulator sends; faults, aborts and the prefix cache work. */
class SimBehaviourTest {
    static SimServer sim;
    static OpenAIClient openai;

    @BeforeAll
    static void start() {
        sim = SimServer.start(SimOptions.defaults());
        openai = OpenAIOkHttpClient.builder().baseUrl(sim.baseUri() + "/v1").apiKey("none").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void reset() {
        sim.reset();
    }

    static ChatCompletionCreateParams.Builder params(String prompt) {
        return ChatCompletionCreateParams.builder().model("qwen3-sim").addUserMessage(prompt).maxCompletionTokens(200);
    }

    static ChatCompletionFunctionTool tool(String name) {
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name(name).build()).build();
    }

    @Test
    void theOpenAiSdkParsesACompletionWithParallelToolCallsAndUsage() {
        sim.loadScenario("rules: [{reply: {text: 'checking', toolCalls: [{name: a, arguments: {x: 1}}, {name: b, arguments: {}}]}}]");
        ChatCompletion c = openai.chat().completions().create(params("go").addTool(tool("a")).addTool(tool("b")).build());
        var msg = c.choices().get(0).message();
        assertThat(msg.content()).contains("checking");
        assertThat(msg.toolCalls().orElseThrow()).hasSize(2);
        assertThat(msg.toolCalls().get().get(0).asFunction().function().arguments()).isEqualTo("{\"x\":1}");
        assertThat(c.usage().orElseThrow().promptTokens()).isPositive();
    }

    @Test
    void theOpenAiSdkParsesAStreamWithToolCallsAndTheUsageChunk() {
        sim.loadScenario("rules: [{reply: {toolCalls: [{name: a, arguments: {city: Paris}}], toolVariant: args_in_finish}}]");
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = openai.chat().completions().createStreaming(params("go")
                .addTool(tool("a")).streamOptions(com.openai.models.chat.completions.ChatCompletionStreamOptions.builder()
                        .includeUsage(true).build()).build())) {
            s.stream().forEach(chunks::add);
        }
        StringBuilder args = new StringBuilder();
        for (ChatCompletionChunk c : chunks) {
            for (var choice : c.choices()) {
                choice.delta().toolCalls().ifPresent(tcs -> tcs.forEach(tc ->
                        tc.function().flatMap(f -> f.arguments()).ifPresent(args::append)));
            }
        }
        assertThat(args.toString()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(chunks.get(chunks.size() - 1).usage()).isPresent();
        assertThat(chunks.get(chunks.size() - 1).choices()).isEmpty();
    }

    @Test
    void aRepeatedPromptReportsItsCachedPrefixInFullBlocks() throws Exception {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "cache me ".repeat(100) + "\"}]}";
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest req = HttpRequest.newBuilder(URI.create(sim.baseUri() + "/v1/chat/completions"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        String first = http.send(req, HttpResponse.BodyHandlers.ofString()).body();
        String second = http.send(req, HttpResponse.BodyHandlers.ofString()).body();
        assertThat(first).contains("\"cached_tokens\":0");
        int cached = Integer.parseInt(second.replaceAll("(?s).*\"cached_tokens\":(\\d+).*", "$1"));
        assertThat(cached).isPositive();
        assertThat(cached % 16).isZero();
    }

    @Test
    void aClientThatLeavesMidStreamIsCountedAsAborted() throws Exception {
        sim.loadScenario("rules: [{reply: {text: '" + "x".repeat(400) + "', chunks: 200, chunkDelayMs: 50}}]");
        try (Socket s = new Socket("127.0.0.1", sim.port())) {
            String body = "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            InputStream in = s.getInputStream();
            in.readNBytes(2000);
        }
        // bounds well above the typical ~100 ms and below the 10 s the stream would last: a loaded CI box is slow
        await().atMost(Duration.ofSeconds(8)).until(() -> sim.stats().aborted() == 1 && sim.stats().active() == 0);
        assertThat(sim.stats().completed()).isZero();
    }

    @Test
    void aClientThatLeavesDuringAStallIsCountedAsAbortedPromptly() throws Exception {
        sim.loadScenario("rules: [{reply: {text: 'late', fault: {type: stall, afterChunks: 1, seconds: 60}}}]");
        try (Socket s = new Socket("127.0.0.1", sim.port())) {
            String body = "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            s.getInputStream().read();
        }
        await().atMost(Duration.ofSeconds(8)).until(() -> sim.stats().aborted() == 1); // the stall lasts 60 s
    }

    @Test
    void resetGarbageAndEofFaultsBreakTheStreamAsScripted() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String body = "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        HttpRequest req = HttpRequest.newBuilder(URI.create(sim.baseUri() + "/v1/chat/completions"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        sim.loadScenario("rules: [{reply: {text: abcdefgh, chunks: 4, fault: {type: garbage, afterChunks: 2}}}]");
        assertThat(http.send(req, HttpResponse.BodyHandlers.ofString()).body()).contains("oops");
        sim.loadScenario("rules: [{reply: {text: abcdefgh, chunks: 4, fault: {type: eof, afterChunks: 2}}}]");
        assertThat(http.send(req, HttpResponse.BodyHandlers.ofString()).body()).doesNotContain("[DONE]");
        sim.loadScenario("rules: [{reply: {text: abcdefgh, chunks: 4, fault: {type: reset, afterChunks: 2}}}]");
        try {
            String partial = http.send(req, HttpResponse.BodyHandlers.ofString()).body();
            assertThat(partial).doesNotContain("[DONE]");
        } catch (java.io.IOException expected) {
            // the connection was reset mid-body
        }
    }

    @Test
    void scenariosCanBeLoadedOverHttpAndMatchInOrder() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        var load = http.send(HttpRequest.newBuilder(URI.create(sim.baseUri() + "/sim/scenario"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"rules\":[{\"match\":{\"lastUserText\":\"ping\"},\"times\":1,"
                        + "\"reply\":{\"text\":\"pong\"}}]}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(load.statusCode()).isEqualTo(200);
        ChatCompletion first = openai.chat().completions().create(params("ping").build());
        ChatCompletion second = openai.chat().completions().create(params("ping").build());
        assertThat(first.choices().get(0).message().content()).contains("pong");
        assertThat(second.choices().get(0).message().content()).contains("You said: ping");
        var stats = http.send(HttpRequest.newBuilder(URI.create(sim.baseUri() + "/sim/stats")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(stats.body()).contains("\"requests\":2");
    }
}
