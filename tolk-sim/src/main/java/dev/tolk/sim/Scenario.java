package dev.tolk.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * An ordered list of rules that script the simulator's answers (format: {@code tolk-sim/README.md}). The first
 * rule whose {@code match} fits the request answers it; a rule with {@code times: N} retires after N uses. When no
 * rule fits, the default answer echoes the prompt.
 */
final class Scenario {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** What a request looks like to the matcher. */
    record RequestView(String lastUserText, boolean hasToolResults, String model, int position, boolean toolsOffered,
                       boolean stream) {}

    static final class Rule {
        final String contains;
        final Pattern regex;
        final Boolean hasToolResults;
        final String model;
        final Integer nth;
        final Boolean toolsOffered;
        final Boolean stream;
        final AtomicInteger remaining;
        final JsonNode reply;

        Rule(JsonNode n) {
            JsonNode m = n.path("match");
            contains = m.hasNonNull("lastUserText") ? m.get("lastUserText").asText() : null;
            regex = m.hasNonNull("lastUserRegex") ? Pattern.compile(m.get("lastUserRegex").asText(), Pattern.DOTALL) : null;
            hasToolResults = m.hasNonNull("hasToolResults") ? m.get("hasToolResults").asBoolean() : null;
            model = m.hasNonNull("model") ? m.get("model").asText() : null;
            nth = m.hasNonNull("nth") ? m.get("nth").asInt() : null;
            toolsOffered = m.hasNonNull("toolsOffered") ? m.get("toolsOffered").asBoolean() : null;
            stream = m.hasNonNull("stream") ? m.get("stream").asBoolean() : null;
            remaining = n.hasNonNull("times") ? new AtomicInteger(n.get("times").asInt()) : null;
            reply = n.has("reply") ? n.get("reply") : JSON.createObjectNode();
        }

        boolean matches(RequestView r) {
            if (remaining != null && remaining.get() <= 0) {
                return false;
            }
            if (contains != null && (r.lastUserText() == null || !r.lastUserText().contains(contains))) {
                return false;
            }
            if (regex != null && (r.lastUserText() == null || !regex.matcher(r.lastUserText()).find())) {
                return false;
            }
            if (hasToolResults != null && hasToolResults != r.hasToolResults()) {
                return false;
            }
            if (model != null && !model.equals(r.model())) {
                return false;
            }
            if (nth != null && nth != r.position()) {
                return false;
            }
            if (toolsOffered != null && toolsOffered != r.toolsOffered()) {
                return false;
            }
            return stream == null || stream == r.stream();
        }

        /** Claims one use; false when another request took the last one. */
        boolean claim() {
            return remaining == null || remaining.getAndDecrement() > 0;
        }
    }

    private final List<Rule> rules;

    private Scenario(List<Rule> rules) {
        this.rules = rules;
    }

    static Scenario empty() {
        return new Scenario(List.of());
    }

    /** Parses JSON or YAML: either {@code {"rules":[…]}} or a bare list of rules. */
    static Scenario parse(String text) throws IOException {
        String t = text.strip();
        JsonNode root = t.startsWith("{") || t.startsWith("[") ? JSON.readTree(t) : YAML.readTree(t);
        JsonNode list = root == null ? null : root.isArray() ? root : root.get("rules");
        List<Rule> rules = new ArrayList<>();
        if (list != null) {
            for (JsonNode n : list) {
                if (!n.isObject()) {
                    throw new IOException("each rule must be an object");
                }
                rules.add(new Rule(n));
            }
        }
        return new Scenario(rules);
    }

    /** The reply of the first matching rule, or null for the default answer. */
    JsonNode replyFor(RequestView r) {
        for (Rule rule : rules) {
            if (rule.matches(r) && rule.claim()) {
                return rule.reply;
            }
        }
        return null;
    }
}
