package dev.tolk.core.anthropic.request;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a {@code /v1/messages} or {@code /v1/messages/count_tokens} body into a {@link MessagesRequest}.
 *
 * <p>Every client mistake — broken JSON, a wrong type, a missing required field, a document nested deeper than
 * {@link Json#MAX_NESTING_DEPTH} — becomes an {@link AnthropicException} with a 400
 * {@code invalid_request_error} whose message starts with the field path (Anthropic's own style, e.g.
 * {@code "max_tokens: Field required"}). Unknown fields and unknown block types are kept, never rejected.
 */
public final class MessagesRequestParser {
    private MessagesRequestParser() {}

    /** Parses a {@code /v1/messages} body; {@code max_tokens} is required. */
    public static MessagesRequest parseMessages(byte[] body) throws AnthropicException {
        return parse(body, true);
    }

    /** Parses a {@code count_tokens} body; there is no {@code max_tokens}. */
    public static MessagesRequest parseCountTokens(byte[] body) throws AnthropicException {
        return parse(body, false);
    }

    private static MessagesRequest parse(byte[] body, boolean requireMaxTokens) throws AnthropicException {
        JsonNode root = readTree(body);
        if (!(root instanceof ObjectNode obj)) {
            throw invalid("request body must be a JSON object");
        }
        try {
            return read(obj, requireMaxTokens);
        } catch (Invalid e) {
            throw invalid(e.getMessage());
        }
    }

    static JsonNode readTree(byte[] body) throws AnthropicException {
        if (body == null || body.length == 0) {
            throw invalid("request body is empty; expected a JSON object");
        }
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw invalid("request body is empty; expected a JSON object");
            }
            return node;
        } catch (StreamConstraintsException e) {
            throw invalid("request body exceeds a JSON limit: " + firstLine(e.getOriginalMessage()));
        } catch (JacksonException e) {
            throw invalid("request body is not valid JSON: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw invalid("request body could not be read: " + firstLine(e.getMessage()));
        } catch (StackOverflowError e) {
            throw invalid("request body is nested too deeply");
        }
    }

    private static MessagesRequest read(ObjectNode o, boolean requireMaxTokens) {
        String model = requiredString(o, "model");
        Integer maxTokens = optionalInt(o, "max_tokens");
        if (requireMaxTokens && maxTokens == null) {
            throw new Invalid("max_tokens: Field required");
        }
        if (maxTokens != null && maxTokens < 0) {
            throw new Invalid("max_tokens: must be greater than or equal to 0");
        }
        JsonNode msgs = o.get("messages");
        if (msgs == null || msgs.isNull()) {
            throw new Invalid("messages: Field required");
        }
        if (!msgs.isArray()) {
            throw new Invalid("messages: Input should be a valid list");
        }
        List<MessageParam> messages = new ArrayList<>(msgs.size());
        for (int i = 0; i < msgs.size(); i++) {
            messages.add(readMessage(msgs.get(i), "messages." + i));
        }
        return new MessagesRequest(
                model,
                maxTokens,
                messages,
                readSystem(o.get("system")),
                optionalBoolean(o, "stream"),
                optionalDouble(o, "temperature"),
                optionalDouble(o, "top_p"),
                optionalInt(o, "top_k"),
                readStopSequences(o.get("stop_sequences")),
                readTools(o.get("tools")),
                readToolChoice(o.get("tool_choice")),
                readThinking(o.get("thinking")),
                readOutputConfig(o.get("output_config"), o.get("output_format")),
                readUserId(o.get("metadata")),
                o);
    }

    private static MessageParam readMessage(JsonNode n, String path) {
        if (!(n instanceof ObjectNode m)) {
            throw new Invalid(path + ": Input should be a valid dictionary");
        }
        JsonNode role = m.get("role");
        if (role == null || !role.isTextual()) {
            throw new Invalid(path + ".role: Field required");
        }
        return new MessageParam(role.textValue(), readContent(m.get("content"), path + ".content", true), m);
    }

    /** {@code content}: a string (one text block), an array of blocks, or (for system messages) absent. */
    static List<ContentBlockParam> readContent(JsonNode c, String path, boolean required) {
        if (c == null || c.isNull()) {
            if (required) {
                throw new Invalid(path + ": Field required");
            }
            return List.of();
        }
        if (c.isTextual()) {
            return List.of(new ContentBlockParam.Text(c.textValue(), null));
        }
        if (!c.isArray()) {
            throw new Invalid(path + ": Input should be a valid string or list of content blocks");
        }
        List<ContentBlockParam> blocks = new ArrayList<>(c.size());
        for (int i = 0; i < c.size(); i++) {
            blocks.add(ContentBlockReader.read(c.get(i), path + "." + i));
        }
        return blocks;
    }

    private static List<ContentBlockParam.Text> readSystem(JsonNode s) {
        if (s == null || s.isNull()) {
            return List.of();
        }
        if (s.isTextual()) {
            return List.of(new ContentBlockParam.Text(s.textValue(), null));
        }
        if (!s.isArray()) {
            throw new Invalid("system: Input should be a valid string or list of text blocks");
        }
        List<ContentBlockParam.Text> out = new ArrayList<>(s.size());
        for (int i = 0; i < s.size(); i++) {
            ContentBlockParam b = ContentBlockReader.read(s.get(i), "system." + i);
            if (!(b instanceof ContentBlockParam.Text t)) {
                throw new Invalid("system." + i + ".type: system blocks must be of type text, not " + b.type());
            }
            out.add(t);
        }
        return out;
    }

    private static List<String> readStopSequences(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray()) {
            throw new Invalid("stop_sequences: Input should be a valid list");
        }
        List<String> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isTextual()) {
                throw new Invalid("stop_sequences." + i + ": Input should be a valid string");
            }
            out.add(n.get(i).textValue());
        }
        return out;
    }

    private static List<ToolParam> readTools(JsonNode n) {
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new Invalid("tools: Input should be a valid list");
        }
        List<ToolParam> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            String path = "tools." + i;
            if (!(n.get(i) instanceof ObjectNode t)) {
                throw new Invalid(path + ": Input should be a valid dictionary");
            }
            String name = requiredString(t, "name", path + ".name");
            String type = optionalString(t, "type", path + ".type");
            JsonNode schema = t.get("input_schema");
            if (schema != null && !schema.isNull() && !schema.isObject()) {
                throw new Invalid(path + ".input_schema: Input should be a valid dictionary");
            }
            JsonNode defer = t.get("defer_loading");
            out.add(new ToolParam(name, optionalString(t, "description", path + ".description"),
                    schema == null || schema.isNull() ? null : schema, type,
                    defer != null && defer.asBoolean(false), t));
        }
        return out;
    }

    private static ToolChoice readToolChoice(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!(n instanceof ObjectNode o)) {
            throw new Invalid("tool_choice: Input should be a valid dictionary");
        }
        String type = requiredString(o, "type", "tool_choice.type");
        if (!List.of("auto", "any", "tool", "none").contains(type)) {
            throw new Invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
        }
        String name = null;
        if ("tool".equals(type)) {
            name = requiredString(o, "name", "tool_choice.name");
        }
        JsonNode d = o.get("disable_parallel_tool_use");
        return new ToolChoice(type, name, d != null && d.asBoolean(false));
    }

    private static ThinkingConfig readThinking(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!(n instanceof ObjectNode o)) {
            throw new Invalid("thinking: Input should be a valid dictionary");
        }
        String type = requiredString(o, "type", "thinking.type");
        return new ThinkingConfig(type, optionalInt(o, "budget_tokens"));
    }

    private static OutputConfig readOutputConfig(JsonNode n, JsonNode legacyFormat) {
        String effort = null;
        JsonNode format = null;
        if (n != null && !n.isNull()) {
            if (!(n instanceof ObjectNode o)) {
                throw new Invalid("output_config: Input should be a valid dictionary");
            }
            effort = optionalString(o, "effort", "output_config.effort");
            format = o.get("format");
        }
        if ((format == null || format.isNull()) && legacyFormat != null && legacyFormat.isObject()) {
            format = legacyFormat;
        }
        if (effort == null && (format == null || format.isNull())) {
            return null;
        }
        return new OutputConfig(effort, format == null || format.isNull() ? null : format);
    }

    private static String readUserId(JsonNode n) {
        if (n == null || !n.isObject()) {
            return null;
        }
        JsonNode u = n.get("user_id");
        return u != null && u.isTextual() ? u.textValue() : null;
    }

    // --- scalar helpers; each failure names the field path

    static String requiredString(ObjectNode o, String field) {
        return requiredString(o, field, field);
    }

    static String requiredString(ObjectNode o, String field, String path) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            throw new Invalid(path + ": Field required");
        }
        if (!v.isTextual()) {
            throw new Invalid(path + ": Input should be a valid string");
        }
        return v.textValue();
    }

    static String optionalString(ObjectNode o, String field, String path) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new Invalid(path + ": Input should be a valid string");
        }
        return v.textValue();
    }

    private static Integer optionalInt(ObjectNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new Invalid(field + ": Input should be a valid integer");
        }
        return v.intValue();
    }

    private static Double optionalDouble(ObjectNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw new Invalid(field + ": Input should be a valid number");
        }
        return v.doubleValue();
    }

    private static boolean optionalBoolean(ObjectNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new Invalid(field + ": Input should be a valid boolean");
        }
        return v.booleanValue();
    }

    static AnthropicException invalid(String message) {
        return AnthropicException.invalidRequest(message);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }

    /** Internal unchecked carrier for a validation message; converted at the boundary. */
    static final class Invalid extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }
}
