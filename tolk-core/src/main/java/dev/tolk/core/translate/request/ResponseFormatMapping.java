package dev.tolk.core.translate.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.core.anthropic.request.OutputConfig;

/**
 * {@code output_config.format} (or the deprecated beta {@code output_format}) →
 * {@code response_format: {type: json_schema, json_schema: {name: "output", schema}}} (protocol.md §C.1).
 */
final class ResponseFormatMapping {
    private ResponseFormatMapping() {}

    static JsonNode toChat(OutputConfig output) {
        if (output == null || output.format() == null) {
            return null;
        }
        JsonNode f = output.format();
        if (!"json_schema".equals(f.path("type").asText()) || !f.path("schema").isObject()) {
            return null;
        }
        ObjectNode rf = JsonNodeFactory.instance.objectNode();
        rf.put("type", "json_schema");
        ObjectNode js = rf.putObject("json_schema");
        js.put("name", "output");
        js.set("schema", f.get("schema"));
        return rf;
    }
}
