package dev.tolk.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.sim.VllmErrors.Failure;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

/**
 * Routes the simulator's endpoints: vLLM's ({@code /v1/chat/completions}, {@code /v1/models}, {@code /tokenize},
 * {@code /health}, {@code /metrics}) and the test hooks under {@code /sim/}. Runs on virtual threads and blocks.
 */
final class SimHandler extends Handler.Abstract {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SimOptions options;
    private final SimServer owner;
    private final ChatEndpoint chat;
    private final Scheduler scheduler;
    private final SimStats stats = new SimStats();
    private final RequestLog log = new RequestLog();

    SimHandler(SimOptions options, SimServer owner) {
        this.options = options;
        this.owner = owner;
        this.chat = new ChatEndpoint(options);
        this.scheduler = new Scheduler(options.maxNumSeqs(), new KvCache(options.kvBlocks()));
    }

    SimStats.Snapshot snapshot() {
        return stats.snapshot(scheduler);
    }

    /** Clears stats, the request log, the prefix cache and the scenario. */
    void reset() {
        stats.reset();
        log.clear();
        chat.reset();
        scheduler.clearCache();
    }

    SimStats stats() {
        return stats;
    }

    RequestLog log() {
        return log;
    }

    ChatEndpoint chat() {
        return chat;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        try {
            route(request, response);
            callback.succeeded();
        } catch (Throwable t) {
            callback.failed(t);
        }
        return true;
    }

    private void route(Request request, Response response) throws IOException {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        byte[] body = "POST".equals(method) ? Request.asInputStream(request).readAllBytes() : new byte[0];
        if (!path.startsWith("/sim/")) {
            stats.request();
            log.add(new RequestLog.Entry(method, path, headers(request), parseOrNull(body)));
        }
        if (owner.fault().mode() == SimFault.Mode.UNAVAILABLE && !path.startsWith("/sim/") && !path.equals("/metrics")) {
            // vLLM's admission control when its request queue is full: QueueOverflowError, typed with the HTTP phrase
            sendError(response, 503, "Service Unavailable", "Request queue full.", null);
            return;
        }
        if (options.apiKey() != null && (path.startsWith("/v1") || path.startsWith("/v2"))) {
            String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
            if (auth == null || !auth.equals("Bearer " + options.apiKey())) {
                send(response, 401, "application/json", "{\"error\":\"Unauthorized\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
        switch (method + " " + path) {
            case "POST /v1/chat/completions" -> chatCompletions(request, response, body);
            case "GET /v1/models" -> send(response, 200, "application/json", modelsBody());
            case "POST /tokenize" -> tokenize(response, body);
            case "GET /health" -> send(response, 200, null, new byte[0]);
            case "GET /metrics" -> send(response, 200, "text/plain; version=0.0.4; charset=utf-8", metrics());
            case "GET /sim/stats" -> send(response, 200, "application/json", statsBody(request));
            case "GET /sim/fault" -> send(response, 200, "application/json", faultBody(owner));
            case "POST /sim/fault" -> fault(response, body);
            case "GET /sim/requests" -> send(response, 200, "application/json",
                    JSON.writeValueAsBytes(log.last(limit(request))));
            case "POST /sim/scenario" -> loadScenario(response, body);
            case "POST /sim/reset" -> {
                reset();
                send(response, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            }
            default -> {
                if (path.equals("/v1/chat/completions") || path.equals("/tokenize")) {
                    sendError(response, 405, "Method Not Allowed", "Method Not Allowed", null);
                } else {
                    send(response, 404, "application/json", "{\"detail\":\"Not Found\"}".getBytes(StandardCharsets.UTF_8));
                }
            }
        }
    }

    private void chatCompletions(Request request, Response response, byte[] body) throws IOException {
        String ct = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (ct == null || !ct.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            sendError(response, 400, "Bad Request", "Unsupported Media Type: Only 'application/json' is allowed", null);
            return;
        }
        JsonNode req = parseOrNull(body);
        ChatEndpoint.Plan plan;
        try {
            if (req == null) {
                throw new Failure(400, "Bad Request", "JSON decode error", null);
            }
            plan = chat.plan(req);
        } catch (Failure f) {
            sendError(response, f.status, f.type, f.getMessage(), f.param);
            return;
        }
        Answer a = plan.answer();
        JsonNode fault = a.fault();
        String faultType = fault == null ? null : fault.path("type").asText();
        if ("stall_headers".equals(faultType)) {
            sleepWatching(request, seconds(fault), new AtomicBoolean());
        }
        JsonNode err = a.error();
        if (err != null && !err.path("midStream").asBoolean(false)) {
            int status = err.path("status").asInt(500);
            if (err.hasNonNull("retryAfter")) {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, err.get("retryAfter").asText());
            }
            sendError(response, status, err.path("type").asText(status == 429 ? "RateLimitError"
                    : status >= 500 ? "InternalServerError" : "BadRequestError"),
                    err.path("message").asText("simulated error"), null);
            return;
        }
        ChatEndpoint.Outcome outcome = chat.outcome(plan);
        stats.tokens(plan.promptTokens(), outcome.completionTokens());
        if (!plan.stream()) {
            stats.begin();
            boolean stayed = false;
            Scheduler.Ticket ticket = scheduler.admit(plan.promptTokenIds(), outcome.completionTokens(), plan.priority(),
                    () -> Disconnects.clientGone(request));
            try {
                if (ticket != null) {
                    Cost cost = admitted(plan, outcome, ticket);
                    plan = plan.withCachedTokens(cost.reportedCached());
                    stayed = sleepWatching(request, cost.prefillNanos() + cost.decodeNanos(), new AtomicBoolean());
                    if (stayed) {
                        send(response, 200, "application/json", chat.completionBody(plan, outcome));
                    }
                }
            } finally {
                if (ticket != null) {
                    scheduler.release(ticket);
                }
                stats.end(!stayed);
            }
            return;
        }
        stream(request, response, plan, outcome, fault, faultType);
    }

    /** What the cost model charges one admitted request; recorded in the stats. */
    private record Cost(long prefillNanos, long decodeNanos, Integer reportedCached) {}

    private Cost admitted(ChatEndpoint.Plan plan, ChatEndpoint.Outcome outcome, Scheduler.Ticket ticket) {
        double slowdown = owner.fault().slowdown();
        int cached = ticket.cachedTokens();
        long prefillMicros = (long) (options.prefillMicrosPerToken() * (double) (plan.promptTokens() - cached) * slowdown);
        long decodeMicros = (long) (options.decodeMicrosPerToken() * (double) outcome.completionTokens() * slowdown);
        stats.admitted(plan.promptTokens(), cached, outcome.completionTokens(), ticket.queuedNanos() / 1000,
                prefillMicros, decodeMicros);
        return new Cost(prefillMicros * 1000, decodeMicros * 1000, options.promptTokensDetails() ? cached : null);
    }

    private void stream(Request request, Response response, ChatEndpoint.Plan plan, ChatEndpoint.Outcome outcome,
                        JsonNode fault, String faultType) throws IOException {
        AtomicBoolean gone = new AtomicBoolean();
        request.addFailureListener(t -> gone.set(true));
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        stats.status(200);
        stats.begin();
        boolean aborted = true;
        Scheduler.Ticket ticket = null;
        try {
            write(response, false, ByteBuffer.allocate(0)); // vLLM's StreamingResponse sends headers at once
            ticket = scheduler.admit(plan.promptTokenIds(), outcome.completionTokens(), plan.priority(),
                    () -> gone.get() || Disconnects.clientGone(request));
            if (ticket == null) {
                return; // the client left while the request waited
            }
            Cost cost = admitted(plan, outcome, ticket);
            plan = plan.withCachedTokens(cost.reportedCached());
            StreamPlan sp = StreamPlan.build(chat, plan, outcome, options.reasoningField());
            if (cost.prefillNanos() > 0 && !sleepWatching(request, cost.prefillNanos(), gone)) {
                return;
            }
            // decode time is spread evenly over the gaps between frames, on top of any scripted chunk delay
            long delay = TimeUnit.MILLISECONDS.toNanos(plan.answer().chunkDelayMillis())
                    + (sp.frames.size() > 1 ? cost.decodeNanos() / (sp.frames.size() - 1) : 0);
            int faultAt = fault != null ? fault.path("afterChunks").asInt(1) : sp.faultAfter;
            if (delay == 0 && faultType == null && sp.faultAfter < 0) {
                write(response, true, ByteBuffer.wrap(sp.concat()));
                aborted = false;
                return;
            }
            for (int i = 0; i < sp.frames.size(); i++) {
                if (i > 0 && delay > 0 && !sleepWatching(request, delay, gone)) {
                    return;
                }
                if (faultType != null && i == faultAt) {
                    switch (faultType) {
                        case "reset" -> {
                            request.getConnectionMetaData().getConnection().getEndPoint().close();
                            aborted = false;
                            return;
                        }
                        case "garbage" -> write(response, false, ByteBuffer.wrap(
                                "data: {\"id\":\"chatcmpl-garbage\",\"choices\":[{\"delta\":{\"content\":\"\u0000oops\n\n"
                                        .getBytes(StandardCharsets.UTF_8)));
                        case "stall" -> {
                            if (!sleepWatching(request, seconds(fault), gone)) {
                                return;
                            }
                        }
                        case "eof" -> {
                            write(response, true, ByteBuffer.allocate(0)); // ends without [DONE]
                            aborted = false;
                            return;
                        }
                        default -> { }
                    }
                }
                byte[] frame = sp.frames.get(i);
                if ("trickle".equals(faultType)) {
                    for (byte b : frame) {
                        write(response, false, ByteBuffer.wrap(new byte[] {b}));
                    }
                } else {
                    write(response, false, ByteBuffer.wrap(frame));
                }
                if (sp.faultAfter >= 0 && i == sp.faultAfter) {
                    JsonNode err = plan.answer().error();
                    int code = err.path("code").asInt(500);
                    byte[] errBody = VllmErrors.body(code, err.path("type").asText(code >= 500 ? "InternalServerError"
                            : "BadRequestError"), err.path("message").asText("simulated mid-stream error"), null);
                    write(response, true, ByteBuffer.wrap(("data: " + new String(errBody, StandardCharsets.UTF_8)
                            + "\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8)));
                    aborted = false;
                    return;
                }
            }
            write(response, true, ByteBuffer.allocate(0));
            aborted = false;
        } catch (IOException e) {
            aborted = true;
        } finally {
            if (ticket != null) {
                scheduler.release(ticket);
            }
            stats.end(aborted);
        }
    }

    private static long seconds(JsonNode fault) {
        return (long) (fault.path("seconds").asDouble(1) * 1_000_000_000L);
    }

    /**
     * Sleeps, returning false as soon as the client is gone. Short sleeps (inter-chunk delays) just sleep: the next
     * write notices a departed client. Long ones (prefill, stalls) probe the socket every 50 ms, so an abort is seen
     * while nothing is written; probing every short sleep would cost 10,000 slow streams a syscall storm.
     */
    private static boolean sleepWatching(Request request, long nanos, AtomicBoolean gone) {
        if (nanos < 200_000_000L) {
            try {
                Thread.sleep(Duration.ofNanos(nanos));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            return !gone.get();
        }
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            if (gone.get() || Disconnects.clientGone(request)) {
                gone.set(true);
                return false;
            }
            try {
                Thread.sleep(Math.min(50, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return !gone.get();
    }

    private void tokenize(Response response, byte[] body) throws IOException {
        if (!options.tokenize()) {
            send(response, 404, "application/json", "{\"detail\":\"Not Found\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        JsonNode req = parseOrNull(body);
        if (req == null || !req.isObject()) {
            sendError(response, 400, "Bad Request", "JSON decode error", null);
            return;
        }
        String text = req.has("messages")
                ? Tokenizer.render(req.get("messages"), req.get("tools"), req.path("add_generation_prompt").asBoolean(true))
                : req.path("prompt").asText("");
        int[] tokens = Tokenizer.encode(text);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("count", tokens.length);
        out.put("max_model_len", options.maxModelLen());
        ArrayNode arr = out.putArray("tokens");
        for (int t : tokens) {
            arr.add(t);
        }
        out.putNull("token_strs");
        send(response, 200, "application/json", out.toString().getBytes(StandardCharsets.UTF_8));
    }

    private byte[] modelsBody() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (String m : options.models()) {
            ObjectNode card = data.addObject();
            card.put("id", m);
            card.put("object", "model");
            card.put("created", 1730000000L);
            card.put("owned_by", "vllm");
            card.put("root", "/models/" + m);
            card.putNull("parent");
            card.put("max_model_len", options.maxModelLen());
            card.putArray("permission").addObject().put("id", "modelperm-sim").put("object", "model_permission");
        }
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * vLLM's Prometheus names and types (checked against vllm/v1/metrics/loggers.py, see tolk-sim/README.md), in
     * prometheus_client's text format: counters end in {@code _total}, labels {@code engine} and {@code model_name}.
     */
    private byte[] metrics() {
        String labels = "{engine=\"0\",model_name=\"" + options.models().get(0) + "\"}";
        StringBuilder b = new StringBuilder(1024);
        metric(b, "vllm:num_requests_running", "gauge", "Requests running in the engine.", labels, scheduler.running());
        metric(b, "vllm:num_requests_waiting", "gauge", "Requests waiting to be scheduled.", labels, scheduler.waiting());
        metric(b, "vllm:kv_cache_usage_perc", "gauge", "Fraction of KV blocks in use, 0 to 1.", labels,
                scheduler.kvCacheUsage());
        metric(b, "vllm:prefix_cache_queries_total", "counter", "Prompt tokens looked up in the prefix cache.", labels,
                stats.prefixQueriesTotal());
        metric(b, "vllm:prefix_cache_hits_total", "counter", "Prompt tokens served from the prefix cache.", labels,
                stats.prefixHitsTotal());
        metric(b, "vllm:prompt_tokens_total", "counter", "Prompt tokens processed.", labels, stats.promptTokensTotal());
        metric(b, "vllm:generation_tokens_total", "counter", "Tokens generated.", labels, stats.generationTokensTotal());
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void metric(StringBuilder b, String name, String type, String help, String labels, double value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        b.append(name).append(labels).append(' ').append(value).append('\n');
    }

    private byte[] statsBody(Request request) throws IOException {
        ObjectNode out = JSON.valueToTree(snapshot());
        int timings = intParam(request, "timings", 0);
        if (timings > 0) {
            out.set("timings", JSON.valueToTree(stats.timings(timings)));
        }
        return JSON.writeValueAsBytes(out);
    }

    private static byte[] faultBody(SimServer s) {
        SimFault f = s.fault();
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("instance", s.index());
        out.put("mode", f.modeName());
        if (f.mode() == SimFault.Mode.SLOW) {
            out.put("factor", f.factor());
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code POST /sim/fault}: for this instance, or with {@code "instance": i} for another one of its fleet. */
    private void fault(Response response, byte[] body) throws IOException {
        JsonNode req = parseOrNull(body);
        SimFault f;
        SimServer target;
        try {
            f = SimFault.parse(req);
            target = req.hasNonNull("instance") ? owner.peer(req.get("instance").asInt()) : owner;
        } catch (IllegalArgumentException e) {
            send(response, 400, "application/json", JSON.writeValueAsBytes(Map.of("error", String.valueOf(e.getMessage()))));
            return;
        }
        if (target == owner && f.mode() == SimFault.Mode.DOWN) {
            // answer first: stopping this instance's connector closes the connection this request came on
            byte[] answer = JsonNodeFactory.instance.objectNode().put("instance", owner.index()).put("mode", "down")
                    .toString().getBytes(StandardCharsets.UTF_8);
            send(response, 200, "application/json", answer);
            Thread.ofVirtual().start(() -> owner.fault(f));
            return;
        }
        target.fault(f);
        send(response, 200, "application/json", faultBody(target));
    }

    private void loadScenario(Response response, byte[] body) throws IOException {
        try {
            chat.scenario = Scenario.parse(new String(body, StandardCharsets.UTF_8));
            send(response, 200, "application/json", "{\"loaded\":true}".getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            send(response, 400, "application/json", JSON.writeValueAsBytes(Map.of("error", String.valueOf(e.getMessage()))));
        }
    }

    private void sendError(Response response, int status, String type, String message, String param) throws IOException {
        send(response, status, "application/json", VllmErrors.body(status, type, message, param));
    }

    private void send(Response response, int status, String contentType, byte[] body) throws IOException {
        if (!response.isCommitted()) {
            response.setStatus(status);
            if (contentType != null) {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
            }
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        }
        stats.status(status);
        write(response, true, ByteBuffer.wrap(body));
    }

    private static void write(Response response, boolean last, ByteBuffer buf) throws IOException {
        try (Blocker.Callback cb = Blocker.callback()) {
            response.write(last, buf, cb);
            cb.block();
        }
    }

    private static int limit(Request request) {
        return intParam(request, "limit", 50);
    }

    private static int intParam(Request request, String name, int fallback) {
        String q = request.getHttpURI().getQuery();
        if (q != null) {
            for (String kv : q.split("&")) {
                if (kv.startsWith(name + "=")) {
                    String v = kv.substring(name.length() + 1);
                    if (v.equals("all")) {
                        return Integer.MAX_VALUE;
                    }
                    try {
                        return Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        return fallback;
                    }
                }
            }
        }
        return fallback;
    }

    private static Map<String, String> headers(Request request) {
        Map<String, String> h = new LinkedHashMap<>();
        for (HttpField f : request.getHeaders()) {
            h.merge(f.getLowerCaseName(), f.getValue(), (a, b) -> a + ", " + b);
        }
        return h;
    }

    private static JsonNode parseOrNull(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}
