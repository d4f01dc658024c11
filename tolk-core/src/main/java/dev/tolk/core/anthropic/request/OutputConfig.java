package dev.tolk.core.anthropic.request;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code output_config}: {@code effort} (low…max) and a structured-output {@code format} (raw JSON). */
public record OutputConfig(String effort, JsonNode format) {}
