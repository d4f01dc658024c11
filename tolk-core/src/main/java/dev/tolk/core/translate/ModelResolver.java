package dev.tolk.core.translate;

/**
 * Maps the model name a client asked for (e.g. {@code claude-opus-5-5}) to the upstream's served model name.
 * Supplied by the shell (the gateway's config and {@code /v1/models}); the core never guesses.
 */
@FunctionalInterface
public interface ModelResolver {
    String upstreamModel(String clientModel);

    /** Every name goes through unchanged. */
    static ModelResolver identity() {
        return name -> name;
    }

    /** Every name becomes {@code model}. */
    static ModelResolver fixed(String model) {
        return name -> model;
    }
}
