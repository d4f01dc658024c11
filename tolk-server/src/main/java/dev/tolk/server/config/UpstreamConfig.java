package dev.tolk.server.config;

import java.net.URI;
import java.util.List;

/**
 * One upstream of the fleet (YAML {@code upstreams:} entry, a {@code --upstream} flag, or an item of
 * {@code VLLM_BASE_URL}).
 *
 * @param name     its identity in routing and metrics: the same on every replica (default host:port)
 * @param protocol {@code openai} (Chat Completions, translated) or {@code anthropic} (its own {@code /v1/messages}:
 *                 requests pass through untranslated)
 * @param apiKey   the key sent to it (from its {@code api-key-env}, else the fleet's upstream key), or null
 * @param weight   its share of conversations relative to the others (default 1)
 * @param models   the models it may be sent, or empty for every model its {@code /v1/models} lists
 * @param capacity how many requests it runs at once (its vLLM {@code --max-num-seqs}); 0 = not known. When every
 *                 upstream serving a model is at its capacity, requests wait in the fair queue (docs/teams.md)
 * @param priorityScheduling it runs vLLM with {@code --scheduling-policy priority}: a key's priority is sent as the
 *                 request's {@code priority} (vLLM rejects a non-zero one otherwise)
 */
public record UpstreamConfig(String name, URI url, String protocol, String apiKey, double weight, List<String> models,
                             int capacity, boolean priorityScheduling) {
    public UpstreamConfig {
        models = List.copyOf(models);
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity is 0 (not known) or more");
        }
    }

    /** An upstream without a known capacity and without priority scheduling. */
    public UpstreamConfig(String name, URI url, String protocol, String apiKey, double weight, List<String> models) {
        this(name, url, protocol, apiKey, weight, models, 0, false);
    }

    /** An OpenAI-protocol upstream named after its host and port. */
    public static UpstreamConfig of(URI url, String apiKey) {
        return new UpstreamConfig(defaultName(url), url, "openai", apiKey, 1, List.of(), 0, false);
    }

    public boolean anthropic() {
        return "anthropic".equals(protocol);
    }

    public static String defaultName(URI url) {
        int port = url.getPort() >= 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
        return url.getHost() + ":" + port;
    }
}
