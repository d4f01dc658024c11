package dev.tolk.core.anthropic.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.core.anthropic.request.MessagesRequestParser.Invalid;
import java.util.ArrayList;
import java.util.List;

/** Reads one content block by its {@code type}; unknown types become {@link ContentBlockParam.Other}. */
final class ContentBlockReader {
    private ContentBlockReader() {}

    static ContentBlockParam read(JsonNode n, String path) {
        if (!(n instanceof ObjectNode b)) {
            throw new Invalid(path + ": Input should be a valid dictionary");
        }
        String type = MessagesRequestParser.requiredString(b, "type", path + ".type");
        return switch (type) {
            case "text" -> new ContentBlockParam.Text(
                    MessagesRequestParser.requiredString(b, "text", path + ".text"), b);
            case "image" -> readImage(b, path);
            case "document" -> readDocument(b, path);
            case "search_result" -> readSearchResult(b, path);
            case "tool_use" -> readToolUse(b, path);
            case "tool_result" -> readToolResult(b, path);
            case "thinking" -> new ContentBlockParam.Thinking(
                    MessagesRequestParser.requiredString(b, "thinking", path + ".thinking"),
                    MessagesRequestParser.optionalString(b, "signature", path + ".signature"), b);
            case "redacted_thinking" -> new ContentBlockParam.RedactedThinking(b);
            default -> new ContentBlockParam.Other(type, b);
        };
    }

    private static ContentBlockParam readImage(ObjectNode b, String path) {
        ObjectNode src = source(b, path);
        String st = MessagesRequestParser.requiredString(src, "type", path + ".source.type");
        return switch (st) {
            case "base64" -> new ContentBlockParam.Image(
                    MessagesRequestParser.requiredString(src, "media_type", path + ".source.media_type"),
                    MessagesRequestParser.requiredString(src, "data", path + ".source.data"), null, b);
            case "url" -> new ContentBlockParam.Image(null, null,
                    MessagesRequestParser.requiredString(src, "url", path + ".source.url"), b);
            default -> throw new Invalid(path + ".source.type: image sources must be base64 or url, not " + st);
        };
    }

    private static ContentBlockParam readDocument(ObjectNode b, String path) {
        ObjectNode src = source(b, path);
        String st = MessagesRequestParser.requiredString(src, "type", path + ".source.type");
        String mediaType = MessagesRequestParser.optionalString(src, "media_type", path + ".source.media_type");
        String title = b.path("title").isTextual() ? b.get("title").textValue() : null;
        String text = switch (st) {
            case "text" -> MessagesRequestParser.requiredString(src, "data", path + ".source.data");
            case "content" -> joinTexts(MessagesRequestParser.readContent(src.get("content"), path + ".source.content", false));
            default -> null;
        };
        return new ContentBlockParam.Document(st, mediaType, text, title, b);
    }

    private static ContentBlockParam readSearchResult(ObjectNode b, String path) {
        List<String> texts = new ArrayList<>();
        for (ContentBlockParam c : MessagesRequestParser.readContent(b.get("content"), path + ".content", false)) {
            if (c instanceof ContentBlockParam.Text t) {
                texts.add(t.text());
            }
        }
        return new ContentBlockParam.SearchResult(
                MessagesRequestParser.optionalString(b, "source", path + ".source"),
                MessagesRequestParser.optionalString(b, "title", path + ".title"), texts, b);
    }

    private static ContentBlockParam readToolUse(ObjectNode b, String path) {
        String id = MessagesRequestParser.requiredString(b, "id", path + ".id");
        String name = MessagesRequestParser.requiredString(b, "name", path + ".name");
        JsonNode input = b.get("input");
        if (input != null && !input.isNull() && !input.isObject()) {
            throw new Invalid(path + ".input: Input should be a valid dictionary");
        }
        return new ContentBlockParam.ToolUse(id, name, input == null || input.isNull() ? null : input, b);
    }

    private static ContentBlockParam readToolResult(ObjectNode b, String path) {
        String id = MessagesRequestParser.requiredString(b, "tool_use_id", path + ".tool_use_id");
        List<ContentBlockParam> content = MessagesRequestParser.readContent(b.get("content"), path + ".content", false);
        JsonNode err = b.get("is_error");
        return new ContentBlockParam.ToolResult(id, content, err != null && err.asBoolean(false), b);
    }

    private static ObjectNode source(ObjectNode b, String path) {
        JsonNode src = b.get("source");
        if (!(src instanceof ObjectNode s)) {
            throw new Invalid(path + ".source: Field required");
        }
        return s;
    }

    static String joinTexts(List<ContentBlockParam> blocks) {
        StringBuilder sb = new StringBuilder();
        for (ContentBlockParam c : blocks) {
            if (c instanceof ContentBlockParam.Text t) {
                if (!sb.isEmpty()) {
                    sb.append('\n');
                }
                sb.append(t.text());
            }
        }
        return sb.toString();
    }
}
