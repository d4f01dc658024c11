package dev.tolk.core.anthropic.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One entry of {@code tools} (protocol.md §A.4). {@code type} is null or {@code "custom"} for client tools and
 * a versioned name ({@code web_search_20250305}, {@code bash_20250124}, …) for Anthropic-defined tools.
 */
public record ToolParam(String name, String description, JsonNode inputSchema, String type, boolean deferLoading,
                        ObjectNode raw) {

    /** A tool the client runs and describes with its own schema. */
    public boolean isCustom() {
        return type == null || "custom".equals(type);
    }

    /** Tools Anthropic's servers execute; a vLLM upstream cannot (protocol.md §C.1). */
    public boolean isServerTool() {
        return type != null && (type.startsWith("web_search_") || type.startsWith("web_fetch_")
                || type.startsWith("code_execution_") || type.startsWith("tool_search_tool_")
                || type.startsWith("mcp_toolset"));
    }
}
