package dev.tolk.core.anthropic.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One block of a request message's {@code content} (protocol.md §A.3). Every variant keeps the block's
 * original JSON in {@code raw()}, so fields Tolk does not model (and block types it does not know) survive
 * a parse/write round trip unchanged.
 */
public sealed interface ContentBlockParam {

    /** The block's {@code type}. */
    String type();

    /** The block exactly as the client sent it. Never mutated. */
    ObjectNode raw();

    /** {@code {"type":"text","text":…}}. */
    record Text(String text, ObjectNode raw) implements ContentBlockParam {
        public String type() {
            return "text";
        }
    }

    /** {@code image} with a base64 source ({@code mediaType} + {@code data}) or a URL source ({@code url}). */
    record Image(String mediaType, String data, String url, ObjectNode raw) implements ContentBlockParam {
        public String type() {
            return "image";
        }

        /** The value for OpenAI's {@code image_url.url}: a data URL or the URL itself. */
        public String toDataUrlOrUrl() {
            return url != null ? url : "data:" + mediaType + ";base64," + data;
        }
    }

    /**
     * {@code document}: {@code sourceType} is {@code text}, {@code base64}, {@code url} or {@code content};
     * {@code text} holds the text of a text/content source, {@code mediaType} the declared type.
     */
    record Document(String sourceType, String mediaType, String text, String title, ObjectNode raw)
            implements ContentBlockParam {
        public String type() {
            return "document";
        }

        public boolean isPdf() {
            return "application/pdf".equals(mediaType) || ("url".equals(sourceType) && text == null);
        }
    }

    /** {@code search_result}: source, title and its text blocks. */
    record SearchResult(String source, String title, List<String> texts, ObjectNode raw) implements ContentBlockParam {
        public String type() {
            return "search_result";
        }
    }

    /** Assistant {@code tool_use}: id, name and the {@code input} object. */
    record ToolUse(String id, String name, JsonNode input, ObjectNode raw) implements ContentBlockParam {
        public String type() {
            return "tool_use";
        }
    }

    /** User {@code tool_result}: the content as blocks (a string becomes one text block). */
    record ToolResult(String toolUseId, List<ContentBlockParam> content, boolean isError, ObjectNode raw)
            implements ContentBlockParam {
        public String type() {
            return "tool_result";
        }
    }

    /** {@code thinking} with its signature, as the client replays it. */
    record Thinking(String thinking, String signature, ObjectNode raw) implements ContentBlockParam {
        public String type() {
            return "thinking";
        }
    }

    /** {@code redacted_thinking}: opaque, never forwarded to a non-Anthropic model. */
    record RedactedThinking(ObjectNode raw) implements ContentBlockParam {
        public String type() {
            return "redacted_thinking";
        }
    }

    /** Any other block type ({@code server_tool_use}, {@code web_search_tool_result}, future ones). */
    record Other(String type, ObjectNode raw) implements ContentBlockParam {}
}
