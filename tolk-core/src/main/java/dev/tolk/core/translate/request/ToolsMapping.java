package dev.tolk.core.translate.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.core.anthropic.request.ToolParam;
import dev.tolk.core.openai.request.FunctionTool;
import dev.tolk.core.translate.TranslationOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tools} → {@code tools[].function} (protocol.md §C.1, §A.4). Policies:
 * <ul>
 *   <li>custom tools keep name, description and schema; {@code $schema} is dropped (some tool-call parsers choke
 *       on it) and a missing or empty schema becomes {@code {"type":"object","properties":{}}};</li>
 *   <li>tools with {@code defer_loading:true} are not sent: by definition they are not in the model's context
 *       until loaded (Claude Code's {@code DeferredToolPlaceholder} is one, "never call this tool");</li>
 *   <li>Anthropic server tools ({@code web_search_*}, {@code web_fetch_*}, {@code code_execution_*}, tool search)
 *       are dropped unless {@link TranslationOptions#forwardServerTools()} — vLLM cannot run them;</li>
 *   <li>Anthropic-defined client tools ({@code bash_*}, {@code text_editor_*}) get a synthesized schema; other
 *       versioned types ({@code computer_*}, {@code memory_*}) are dropped.</li>
 * </ul>
 * An empty result is {@code null}: vLLM rejects {@code tools: []}.
 */
final class ToolsMapping {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ToolsMapping() {}

    static List<FunctionTool> toChat(List<ToolParam> tools, TranslationOptions options) {
        if (tools.isEmpty()) {
            return null;
        }
        List<FunctionTool> out = new ArrayList<>(tools.size());
        for (ToolParam t : tools) {
            if (t.deferLoading()) {
                continue;
            }
            if (t.isCustom()) {
                out.add(new FunctionTool(t.name(), t.description(), cleanSchema(t.inputSchema())));
            } else if (t.isServerTool()) {
                if (options.forwardServerTools()) {
                    out.add(new FunctionTool(t.name(), t.description(), cleanSchema(t.inputSchema())));
                }
            } else if (t.type().startsWith("bash_")) {
                out.add(new FunctionTool(t.name(), "Run a shell command.", bashSchema()));
            } else if (t.type().startsWith("text_editor_")) {
                out.add(new FunctionTool(t.name(), "View and edit files.", textEditorSchema()));
            }
        }
        return out.isEmpty() ? null : out;
    }

    static JsonNode cleanSchema(JsonNode schema) {
        if (schema == null || !schema.isObject() || schema.isEmpty()) {
            return emptyObjectSchema();
        }
        if (schema.has("$schema") || !schema.has("type")) {
            ObjectNode copy = ((ObjectNode) schema).deepCopy();
            copy.remove("$schema");
            if (!copy.has("type")) {
                copy.put("type", "object");
            }
            return copy;
        }
        return schema;
    }

    static ObjectNode emptyObjectSchema() {
        ObjectNode s = F.objectNode();
        s.put("type", "object");
        s.putObject("properties");
        return s;
    }

    private static ObjectNode bashSchema() {
        ObjectNode s = emptyObjectSchema();
        ObjectNode p = (ObjectNode) s.get("properties");
        p.putObject("command").put("type", "string").put("description", "The command to run");
        p.putObject("restart").put("type", "boolean");
        return s;
    }

    private static ObjectNode textEditorSchema() {
        ObjectNode s = emptyObjectSchema();
        ObjectNode p = (ObjectNode) s.get("properties");
        p.putObject("command").put("type", "string")
                .set("enum", F.arrayNode().add("view").add("create").add("str_replace").add("insert").add("undo_edit"));
        p.putObject("path").put("type", "string");
        p.putObject("file_text").put("type", "string");
        p.putObject("old_str").put("type", "string");
        p.putObject("new_str").put("type", "string");
        p.putObject("insert_line").put("type", "integer");
        p.putObject("view_range").put("type", "array").putObject("items").put("type", "integer");
        s.putArray("required").add("command").add("path");
        return s;
    }
}
