package dev.tolk.server.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.core.json.Json;
import dev.tolk.core.keys.KeyLimits;
import dev.tolk.store.keys.StoredKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** A store key as JSON ({@code /admin/keys}, {@code tolk keys … --json}), and the limits a JSON body names. */
public final class KeyJson {
    private static final Set<String> LIMIT_FIELDS = Set.of("max_concurrent", "requests_per_minute",
            "tokens_per_minute", "budget_tokens", "budget_period", "priority", "models");

    private KeyJson() {
    }

    public static ObjectNode of(StoredKey k) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("name", k.name());
        KeyLimits l = k.limits();
        o.put("max_concurrent", l.maxConcurrent());
        o.put("requests_per_minute", l.requestsPerMinute());
        o.put("tokens_per_minute", l.tokensPerMinute());
        o.put("budget_tokens", l.budgetTokens());
        if (l.budgetPeriod() == null) {
            o.putNull("budget_period");
        } else {
            o.put("budget_period", l.budgetPeriod().name().toLowerCase(Locale.ROOT));
        }
        o.put("priority", l.priority());
        ArrayNode models = o.putArray("models");
        l.models().forEach(models::add);
        o.put("created_at", Instant.ofEpochMilli(k.createdAt()).toString());
        o.put("updated_at", Instant.ofEpochMilli(k.updatedAt()).toString());
        if (k.revokedAt() == null) {
            o.putNull("revoked_at");
        } else {
            o.put("revoked_at", Instant.ofEpochMilli(k.revokedAt()).toString());
        }
        return o;
    }

    /**
     * The limits named in {@code body} (an object); fields other than these and {@code allowedToo} are a client
     * mistake. Throws IllegalArgumentException with a message for the client.
     */
    public static KeyChange change(JsonNode body, Set<String> allowedToo) {
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("the body is a JSON object");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!LIMIT_FIELDS.contains(f) && !allowedToo.contains(f)) {
                throw new IllegalArgumentException(f + ": unknown field (known: " + String.join(", ",
                        new java.util.TreeSet<>(LIMIT_FIELDS)) + ")");
            }
        }
        List<String> models = null;
        JsonNode m = body.get("models");
        if (m != null && !m.isNull()) {
            if (!m.isArray()) {
                throw new IllegalArgumentException("models: a list of globs");
            }
            models = new ArrayList<>();
            for (JsonNode g : m) {
                if (!g.isTextual() || g.asText().isBlank() || g.asText().contains(",")) {
                    throw new IllegalArgumentException("models: each glob is a non-empty string without ','");
                }
                models.add(g.asText());
            }
        }
        JsonNode period = body.get("budget_period");
        if (period != null && !period.isNull() && !period.isTextual()) {
            throw new IllegalArgumentException("budget_period: day, week or month");
        }
        Long tpm = longField(body, "tokens_per_minute");
        Long budget = longField(body, "budget_tokens");
        Long mc = longField(body, "max_concurrent");
        Long rpm = longField(body, "requests_per_minute");
        Long priority = longField(body, "priority");
        return new KeyChange(toInt("max_concurrent", mc), toInt("requests_per_minute", rpm), tpm, budget,
                period == null || period.isNull() ? null : KeyChange.period(period.asText()),
                toInt("priority", priority), models);
    }

    private static Long longField(JsonNode body, String name) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.canConvertToLong() || !n.isIntegralNumber()) {
            throw new IllegalArgumentException(name + ": a whole number");
        }
        return n.asLong();
    }

    private static Integer toInt(String name, Long v) {
        if (v == null) {
            return null;
        }
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
            throw new IllegalArgumentException(name + ": too large");
        }
        return v.intValue();
    }
}
