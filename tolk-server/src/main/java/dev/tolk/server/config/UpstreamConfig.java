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
 */
public record UpstreamConfig(String name, URI url, String protocol, String apiKey, double weight, List<String> models) {
    public UpstreamConfig {
        models = List.copyOf(models);
    }

    /** An OpenAI-protocol upstream named after its host and port. */
    public static UpstreamConfig of(URI url, String apiKey) {
        return new UpstreamConfig(defaultName(url), url, "openai", apiKey, 1, List.of());
    }

    public boolean anthropic() {
        return "anthropic".equals(protocol);
    }

    public static String defaultName(URI url) {
        int port = url.getPort() >= 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
        return url.getHost() + ":" + port;
    }
}
