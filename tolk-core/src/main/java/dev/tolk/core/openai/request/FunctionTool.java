package dev.tolk.core.openai.request;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code {"type":"function","function":{name, description, parameters}}}; {@code parameters} is raw JSON Schema. */
public record FunctionTool(String name, String description, JsonNode parameters) {}
