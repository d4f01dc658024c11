package dev.tolk.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * A fault injected into one running instance ({@link SimServer#fault}, {@code POST /sim/fault}):
 *
 * <ul>
 *   <li>{@link Mode#DOWN}: the port stops accepting connections and open ones are reset, like a dead vLLM process's;
 *   <li>{@link Mode#SLOW}: prefill and decode take {@code factor} times as long;
 *   <li>{@link Mode#UNAVAILABLE}: every vLLM route answers 503 with vLLM's queue-full error;
 *   <li>{@link Mode#NONE}: back to normal (a down port accepts again, on the same port number).
 * </ul>
 *
 * With a {@code duration} the fault clears itself after that long.
 *
 * @param mode     what goes wrong
 * @param factor   for {@link Mode#SLOW}: how many times slower (≥ 1)
 * @param duration how long it lasts; null = until replaced
 */
public record SimFault(Mode mode, double factor, Duration duration) {
    /** The kinds of fault. */
    public enum Mode { NONE, DOWN, SLOW, UNAVAILABLE }

    public SimFault {
        if (mode == null) {
            throw new IllegalArgumentException("mode is required");
        }
        if (mode == Mode.SLOW && !(factor >= 1)) {
            throw new IllegalArgumentException("a slow fault needs a factor of at least 1, got " + factor);
        }
        if (duration != null && (duration.isNegative() || duration.isZero())) {
            throw new IllegalArgumentException("duration must be positive, got " + duration);
        }
    }

    public static SimFault none() {
        return new SimFault(Mode.NONE, 1, null);
    }

    public static SimFault down() {
        return new SimFault(Mode.DOWN, 1, null);
    }

    public static SimFault slow(double factor) {
        return new SimFault(Mode.SLOW, factor, null);
    }

    public static SimFault unavailable() {
        return new SimFault(Mode.UNAVAILABLE, 1, null);
    }

    /** This fault, cleared after {@code d}. */
    public SimFault lasting(Duration d) {
        return new SimFault(mode, factor, d);
    }

    /** How many times longer prefill and decode take. */
    double slowdown() {
        return mode == Mode.SLOW ? factor : 1;
    }

    /** {@code {"mode": "down"|"slow"|"503"|"none", "factor": 10, "seconds": 5}}. */
    static SimFault parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("expected a JSON object like {\"mode\":\"down\"}");
        }
        String mode = body.path("mode").asText("");
        SimFault f = switch (mode) {
            case "none" -> none();
            case "down" -> down();
            case "slow" -> slow(body.path("factor").asDouble(10));
            case "503" -> unavailable();
            default -> throw new IllegalArgumentException("mode must be down, slow, 503 or none, got '" + mode + "'");
        };
        if (body.hasNonNull("seconds")) {
            f = f.lasting(Duration.ofMillis((long) (body.get("seconds").asDouble() * 1000)));
        }
        return f;
    }

    /** The JSON form {@link #parse} reads. */
    String modeName() {
        return mode == Mode.UNAVAILABLE ? "503" : mode.name().toLowerCase(java.util.Locale.ROOT);
    }
}
