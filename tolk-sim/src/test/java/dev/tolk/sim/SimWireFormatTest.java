package dev.tolk.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The simulator's bytes and errors, pinned against vLLM's wire format (protocol.md §B). */
class SimWireFormatTest {
    static SimServer sim;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        sim = SimServer.start(SimOptions.builder().deterministic(true).promptTokensDetails(false).build());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void reset() {
        sim.reset();
    }

    static HttpResponse<String> post(SimServer s, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.baseUri() + path)).header("content-type",
                "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aTextStreamHasVllmsExactBytes() throws Exception {
        sim.loadScenario("rules: [{reply: {text: 'Hello', chunks: 2}}]");
        var r = post(sim, "/v1/chat/completions", "{\"model\":\"qwen3-sim\",\"stream\":true,\"stream_options\":"
                + "{\"include_usage\":true},\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
        String head = "{\"id\":\"chatcmpl-sim1\",\"object\":\"chat.completion.chunk\",\"created\":1730000000,\"model\":\"qwen3-sim\",";
        assertThat(r.body()).isEqualTo(
                "data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
                + "data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
                + "data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
                + "data: " + head + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\",\"stop_reason\":null}]}\n\n"
                + "data: " + head + "\"choices\":[],\"usage\":{\"prompt_tokens\":23,\"total_tokens\":24,\"completion_tokens\":1}}\n\n"
                + "data: [DONE]\n\n");
    }

    @Test
    void aToolCallStreamSendsTheIdentityFragmentThenArguments() throws Exception {
        sim.loadScenario("rules: [{reply: {toolCalls: [{name: get_weather, arguments: '{\"city\": \"Paris\"}'}]}}]");
        var r = post(sim, "/v1/chat/completions", "{\"stream\":true,\"max_tokens\":50,\"tools\":[{\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"}]}");
        String body = r.body();
        assertThat(body).contains("\"delta\":{\"tool_calls\":[{\"id\":\"chatcmpl-tool-00000000000000000000000000000002\","
                + "\"type\":\"function\",\"index\":0,\"function\":{\"name\":\"get_weather\"}}]}");
        assertThat(body).contains("\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\"");
        assertThat(body).contains("\"finish_reason\":\"tool_calls\",\"stop_reason\":null");
        assertThat(body).doesNotContain("\"usage\"").endsWith("data: [DONE]\n\n");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[]}|400|`tools` must not be an empty array",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream_options\":{\"include_usage\":true}}|400|Stream options can only be defined when `stream=True`.",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":\"required\"}|400|When using `tool_choice`, `tools` must be set.",
            "{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|404|The model `gpt-9` does not exist.",
            "{\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"a\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{bad\"}}]}]}|400|not valid JSON",
            "{\"max_tokens\":40000,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|400|This model's maximum context length is 32768 tokens. However, you requested 40000 output tokens",
    })
    void vllmValidationErrorsKeepTheirWording(String body, int status, String message) throws Exception {
        var r = post(sim, "/v1/chat/completions", body);
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.body()).startsWith("{\"error\":{\"message\":").contains(message).contains("\"code\":" + status);
    }

    @Test
    void autoToolChoiceWithoutAToolParserIsRejectedLikeVllm() throws Exception {
        try (SimServer s = SimServer.start(SimOptions.builder().toolParser(false).build())) {
            var r = post(s, "/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":"
                    + "[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("\\\"auto\\\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set");
        }
    }

    @Test
    void anApiKeyGuardsV1PathsWithVllmsStringError() throws Exception {
        try (SimServer s = SimServer.start(SimOptions.builder().apiKey("k1").build())) {
            var r = post(s, "/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body()).isEqualTo("{\"error\":\"Unauthorized\"}");
            assertThat(post(s, "/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                    "authorization", "Bearer k1").statusCode()).isEqualTo(200);
            assertThat(post(s, "/tokenize", "{\"prompt\":\"x\"}").statusCode()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @CsvSource({"old, 'in the messages'", "mid, 'parameter=max_tokens'", "v019, 'for a total of'", "new, 'at least'"})
    void everyOverflowWordingEraCanBeSimulated(String era, String marker) throws Exception {
        try (SimServer s = SimServer.start(SimOptions.builder().overflowWording(era).maxModelLen(100).build())) {
            var r = post(s, "/v1/chat/completions", "{\"max_tokens\":95,\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("maximum context length is 100").contains(marker);
        }
    }

    @Test
    void aMidStreamErrorIsADataErrorChunkThenDone() throws Exception {
        sim.loadScenario("rules: [{reply: {text: 'abcdef', chunks: 3, error: {midStream: true, afterChunks: 2, code: 500, message: boom}}}]");
        var r = post(sim, "/v1/chat/completions", "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(r.body()).endsWith("data: {\"error\":{\"message\":\"boom\",\"type\":\"InternalServerError\",\"param\":null,"
                + "\"code\":500}}\n\ndata: [DONE]\n\n");
    }

    @Test
    void tokenizeCountsTheSamePromptTheChatEndpointBills() throws Exception {
        String messages = "[{\"role\":\"user\",\"content\":\"count me please\"}]";
        var t = post(sim, "/tokenize", "{\"messages\":" + messages + "}");
        assertThat(t.body()).startsWith("{\"count\":").contains("\"max_model_len\":32768");
        int count = Integer.parseInt(t.body().replaceAll("^\\{\"count\":(\\d+),.*$", "$1"));
        var c = post(sim, "/v1/chat/completions", "{\"messages\":" + messages + "}");
        assertThat(c.body()).contains("\"prompt_tokens\":" + count + ",");
    }

    @Test
    void modelsHealthAndMetricsAnswerLikeVllm() throws Exception {
        var m = HTTP.send(HttpRequest.newBuilder(URI.create(sim.baseUri() + "/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(m.body()).contains("\"id\":\"qwen3-sim\"").contains("\"owned_by\":\"vllm\"").contains("\"max_model_len\":32768");
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(sim.baseUri() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(sim.baseUri() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("vllm:num_requests_running");
    }

    @Test
    void theRequestLogShowsWhatArrived() throws Exception {
        post(sim, "/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"logged\"}]}", "x-test", "1");
        RequestLog.Entry e = sim.requests(1).get(0);
        assertThat(e.path()).isEqualTo("/v1/chat/completions");
        assertThat(e.headers()).containsEntry("x-test", "1");
        assertThat(e.body().toString()).contains("logged");
    }

    @Test
    void stopStringsCutTheTextAndAreReportedAsStopReason() throws Exception {
        sim.loadScenario("rules: [{reply: {text: 'one two END three'}}]");
        var r = post(sim, "/v1/chat/completions", "{\"stop\":[\"END\"],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(r.body()).contains("\"content\":\"one two \"").contains("\"finish_reason\":\"stop\",\"stop_reason\":\"END\"");
    }
}
