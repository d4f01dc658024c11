package dev.tolk.sdk;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.AnthropicClientAsync;
import com.anthropic.client.AnthropicClientAsyncImpl;
import com.anthropic.client.AnthropicClientImpl;
import com.anthropic.core.ClientOptions;
import dev.tolk.core.translate.TranslationOptions;
import dev.tolk.core.translate.models.ModelRoute;
import dev.tolk.core.dispatch.RoutingPolicy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The official Anthropic Java SDK, served by an OpenAI-compatible upstream (vLLM) inside this JVM — no gateway
 * process, no extra hop.
 *
 * <pre>{@code
 * AnthropicClient client = TolkAnthropic.client("http://localhost:8000");
 * Message m = client.messages().create(MessageCreateParams.builder()
 *         .model("claude-sonnet-4-5").maxTokens(1024).addUserMessage("Hello").build());
 * }</pre>
 *
 * Options match the gateway's: upstream key ({@code VLLM_API_KEY}, else {@code OPENAI_API_KEY}, else
 * {@link Builder#apiKey}), default model (else {@code ANTHROPIC_MODEL}, else the upstream's first), glob routes,
 * {@code max_model_len} overrides, translation options (reasoning style, text tool-call recovery …), SDK retries and
 * timeout.
 */
public final class TolkAnthropic {
    private TolkAnthropic() {}

    /** A ready client for the upstream at {@code upstreamBaseUrl} (e.g. {@code http://localhost:8000}). */
    public static AnthropicClient client(String upstreamBaseUrl) {
        return builder().upstream(upstreamBaseUrl).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures a client; every setting is optional except the upstream. */
    public static final class Builder {
        private final List<URI> upstreams = new ArrayList<>();
        private RoutingPolicy routing = RoutingPolicy.BOUNDED_AFFINITY;
        private String apiKey = firstNonEmpty(System.getenv("VLLM_API_KEY"), System.getenv("OPENAI_API_KEY"));
        private String defaultModel = System.getenv("ANTHROPIC_MODEL");
        private final List<ModelRoute> routes = new ArrayList<>();
        private final Map<String, Integer> maxModelLen = new LinkedHashMap<>();
        private TranslationOptions options = TranslationOptions.defaults();
        private int maxRetries = 2;
        private Duration timeout = Duration.ofMinutes(10);
        private Duration upstreamHeadTimeout = Duration.ofSeconds(30);
        private long threadMemoryBytes = dev.tolk.core.threads.ThreadStore.DEFAULT_MAX_BYTES;

        /** The upstream (replaces any given before). */
        public Builder upstream(String baseUrl) {
            upstreams.clear();
            return addUpstream(baseUrl);
        }

        /** One more upstream: with several, requests are routed and fail over as in the gateway (docs/fleet.md). */
        public Builder addUpstream(String baseUrl) {
            String u = baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
            if (u.endsWith("/v1/")) {
                u = u.substring(0, u.length() - 3);
            }
            upstreams.add(URI.create(u));
            return this;
        }

        /** How requests choose among several upstreams (default bounded affinity). */
        public Builder routing(RoutingPolicy policy) {
            this.routing = policy;
            return this;
        }

        public Builder apiKey(String key) {
            this.apiKey = key;
            return this;
        }

        public Builder defaultModel(String model) {
            this.defaultModel = model;
            return this;
        }

        /** Client model names matching {@code glob} go to {@code upstreamModel}. */
        public Builder route(String glob, String upstreamModel) {
            routes.add(new ModelRoute(glob, upstreamModel));
            return this;
        }

        public Builder maxModelLen(String model, int tokens) {
            maxModelLen.put(model, tokens);
            return this;
        }

        public Builder translationOptions(TranslationOptions o) {
            this.options = o;
            return this;
        }

        public Builder maxRetries(int n) {
            this.maxRetries = n;
            return this;
        }

        public Builder timeout(Duration t) {
            this.timeout = t;
            return this;
        }

        /**
         * How long a stream's upstream may take to send its response head before the request goes to the next upstream
         * (default 30 s, at most {@link #timeout}); as the gateway's {@code upstream-head-timeout-seconds}.
         */
        public Builder upstreamHeadTimeout(Duration t) {
            this.upstreamHeadTimeout = t;
            return this;
        }

        /** The most the message threads may hold in memory (default 256 MiB); 0 stores none. */
        public Builder threadMemoryBytes(long bytes) {
            this.threadMemoryBytes = bytes;
            return this;
        }

        /** The transport alone, to plug into {@code ClientOptions.builder().httpClient(…)} yourself. */
        public TolkHttpClient buildHttpClient() {
            if (upstreams.isEmpty()) {
                throw new IllegalStateException("upstream is required, e.g. http://localhost:8000");
            }
            return new TolkHttpClient(upstreams, apiKey, defaultModel, routes, maxModelLen, options, timeout,
                    upstreamHeadTimeout, routing, threadMemoryBytes);
        }

        public AnthropicClient build() {
            return new AnthropicClientImpl(options());
        }

        public AnthropicClientAsync buildAsync() {
            return new AnthropicClientAsyncImpl(options());
        }

        private ClientOptions options() {
            // the SDK requires a credential; Tolk never sends it anywhere (the upstream key is apiKey above)
            return ClientOptions.builder().httpClient(buildHttpClient()).putHeader("x-api-key", "tolk-in-process")
                    .baseUrl("http://tolk.in-process").maxRetries(maxRetries).timeout(timeout).build();
        }

        private static String firstNonEmpty(String a, String b) {
            return a != null && !a.isEmpty() ? a : b != null && !b.isEmpty() ? b : null;
        }
    }
}
