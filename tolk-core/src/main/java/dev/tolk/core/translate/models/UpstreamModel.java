package dev.tolk.core.translate.models;

import java.util.OptionalInt;

/** One model card from vLLM's {@code GET /v1/models}: served name, creation time (epoch s), context window. */
public record UpstreamModel(String id, long created, OptionalInt maxModelLen) {}
