package dev.tolk.core.translate.textcalls;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.core.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recovers tool calls a model wrote into its text — an upstream running without a tool-call parser, or a model that
 * emits its native markup anyway (issue #5). Formats:
 * <ul>
 *   <li>Hermes / Qwen: {@code <tool_call>{"name": …, "arguments": {…}}</tool_call>}, any number in a row;</li>
 *   <li>Qwen3-Coder: {@code <tool_call><function=NAME><parameter=P>value</parameter>…</function></tool_call>}, also
 *       without the outer tags; a parameter value that parses as JSON (number, boolean, object, array, null) is taken
 *       as that value, anything else as a string;</li>
 *   <li>Mistral: {@code [TOOL_CALLS][{"name": …, "arguments": …}, …]} and {@code [TOOL_CALLS]NAME[ARGS]{…}};</li>
 *   <li>Llama: {@code {"name": …, "parameters": {…}}} (or {@code "arguments"}) as the <em>whole</em> reply, optionally
 *       after {@code <|python_tag|>}.</li>
 * </ul>
 * Only names in the request's tools count; markup naming an unknown tool, or markup that does not parse, stays
 * text. Streaming: {@link #feed} emits text at once and holds back only what may still open a call (a trailing
 * {@code <tool_c}, an open {@code <tool_call>} block, or a reply that so far is a bare JSON object); {@link #finish}
 * decides the rest. The same pieces come out however the content is split. Not thread-safe.
 */
public final class TextToolCallParser {
    private static final String HERMES_OPEN = "<tool_call>";
    private static final String HERMES_CLOSE = "</tool_call>";
    private static final String FUNCTION_OPEN = "<function=";
    private static final String FUNCTION_CLOSE = "</function>";
    private static final String MISTRAL = "[TOOL_CALLS]";
    private static final String PYTHON_TAG = "<|python_tag|>";
    private static final String[] OPENERS = {HERMES_OPEN, FUNCTION_OPEN, MISTRAL};
    private static final Pattern PARAMETER = Pattern.compile("<parameter=([^>\\n]+)>\\n?(.*?)\\n?</parameter>", Pattern.DOTALL);
    private static final Pattern FUNCTION = Pattern.compile("<function=([^>\\n]+)>(.*?)</function>", Pattern.DOTALL);

    private final Set<String> toolNames;
    private final StringBuilder held = new StringBuilder();
    private boolean emittedAnything;

    public TextToolCallParser(Set<String> toolNames) {
        this.toolNames = Set.copyOf(toolNames);
    }

    /** Parses a complete (non-streamed) content string. */
    public static List<Piece> parseWhole(String content, Set<String> toolNames) {
        TextToolCallParser p = new TextToolCallParser(toolNames);
        List<Piece> out = new ArrayList<>(p.feed(content));
        out.addAll(p.finish());
        return merge(out);
    }

    /** Consumes a content delta; returns what is decided. */
    public List<Piece> feed(String delta) {
        held.append(delta);
        List<Piece> out = new ArrayList<>();
        scan(out, false);
        return out;
    }

    /** End of content: decides everything still held back. */
    public List<Piece> finish() {
        List<Piece> out = new ArrayList<>();
        scan(out, true);
        if (!held.isEmpty()) {
            text(out, held.toString());
            held.setLength(0);
        }
        return out;
    }

    private void scan(List<Piece> out, boolean atEnd) {
        while (!held.isEmpty()) {
            String s = held.toString();
            if (!emittedAnything && looksLikeWholeJson(s)) {
                if (!atEnd) {
                    return; // a Llama-style call is the whole reply: wait for the end
                }
                List<Piece> calls = llamaCalls(s);
                if (calls != null) {
                    out.addAll(calls);
                    emittedAnything = true;
                    held.setLength(0);
                    return;
                }
                text(out, s);
                held.setLength(0);
                return;
            }
            int open = firstOpener(s);
            if (open < 0) {
                int keep = atEnd ? 0 : partialOpenerSuffix(s);
                if (s.length() - keep > 0) {
                    text(out, s.substring(0, s.length() - keep));
                    held.delete(0, s.length() - keep);
                }
                return;
            }
            if (open > 0) {
                text(out, s.substring(0, open));
                held.delete(0, open);
                continue;
            }
            // the held text starts with an opener
            int consumed = parseBlock(s, atEnd, out);
            if (consumed == 0) {
                return; // block not complete yet
            }
            held.delete(0, consumed);
        }
    }

    /** Parses the block at the start of {@code s}; returns chars consumed, 0 when it needs more input. */
    private int parseBlock(String s, boolean atEnd, List<Piece> out) {
        if (s.startsWith(HERMES_OPEN)) {
            int close = s.indexOf(HERMES_CLOSE);
            if (close < 0) {
                if (!atEnd) {
                    return 0;
                }
                close = s.length(); // an unterminated final block: parse what is there
            }
            String inner = s.substring(HERMES_OPEN.length(), close).strip();
            int end = Math.min(s.length(), close + HERMES_CLOSE.length());
            List<Piece> calls = inner.startsWith(FUNCTION_OPEN) ? qwenCoderCalls(inner) : jsonCall(inner);
            emitOrText(out, calls, s.substring(0, end));
            return end;
        }
        if (s.startsWith(FUNCTION_OPEN)) {
            int close = s.indexOf(FUNCTION_CLOSE);
            if (close < 0) {
                if (!atEnd) {
                    return 0;
                }
                text(out, s);
                return s.length();
            }
            int end = close + FUNCTION_CLOSE.length();
            emitOrText(out, qwenCoderCalls(s.substring(0, end)), s.substring(0, end));
            return end;
        }
        // [TOOL_CALLS]: the rest of the reply
        if (!atEnd) {
            return 0;
        }
        emitOrText(out, mistralCalls(s.substring(MISTRAL.length()).strip()), s);
        return s.length();
    }

    private void emitOrText(List<Piece> out, List<Piece> calls, String raw) {
        if (calls == null || calls.isEmpty()) {
            text(out, raw);
        } else {
            out.addAll(calls);
            emittedAnything = true;
        }
    }

    private void text(List<Piece> out, String t) {
        if (t.isEmpty()) {
            return;
        }
        emittedAnything = true;
        if (!out.isEmpty() && out.get(out.size() - 1) instanceof Piece.Text prev) {
            out.set(out.size() - 1, new Piece.Text(prev.text() + t));
        } else {
            out.add(new Piece.Text(t));
        }
    }

    // ---- formats

    /** {"name":…, "arguments"|"parameters": {…} or a JSON string}. */
    private List<Piece> jsonCall(String json) {
        JsonNode n = readJson(json);
        Piece p = n == null ? null : callFrom(n);
        return p == null ? null : List.of(p);
    }

    private List<Piece> llamaCalls(String s) {
        String t = s.strip();
        if (t.startsWith(PYTHON_TAG)) {
            t = t.substring(PYTHON_TAG.length()).strip();
        }
        JsonNode n = readJson(t);
        if (n == null) {
            return null;
        }
        List<Piece> out = new ArrayList<>();
        if (n.isArray()) {
            for (JsonNode c : n) {
                Piece p = callFrom(c);
                if (p == null) {
                    return null;
                }
                out.add(p);
            }
        } else {
            Piece p = callFrom(n);
            if (p == null) {
                return null;
            }
            out.add(p);
        }
        return out.isEmpty() ? null : out;
    }

    private List<Piece> mistralCalls(String rest) {
        JsonNode n = readJson(rest);
        if (n != null && n.isArray()) {
            List<Piece> out = new ArrayList<>();
            for (JsonNode c : n) {
                Piece p = callFrom(c);
                if (p == null) {
                    return null;
                }
                out.add(p);
            }
            return out;
        }
        // newer form: NAME[ARGS]{…}, possibly several [TOOL_CALLS] in a row
        List<Piece> out = new ArrayList<>();
        for (String part : rest.split(Pattern.quote(MISTRAL))) {
            int args = part.indexOf("[ARGS]");
            if (args <= 0) {
                return null;
            }
            String name = part.substring(0, args).strip();
            JsonNode a = readJson(part.substring(args + "[ARGS]".length()).strip());
            if (!toolNames.contains(name) || a == null || !a.isObject()) {
                return null;
            }
            out.add(new Piece.ToolCall(name, a.toString()));
        }
        return out.isEmpty() ? null : out;
    }

    private List<Piece> qwenCoderCalls(String s) {
        List<Piece> out = new ArrayList<>();
        Matcher f = FUNCTION.matcher(s);
        while (f.find()) {
            String name = f.group(1).strip();
            if (!toolNames.contains(name)) {
                return null;
            }
            ObjectNode args = JsonNodeFactory.instance.objectNode();
            Matcher p = PARAMETER.matcher(f.group(2));
            while (p.find()) {
                String value = p.group(2);
                JsonNode parsed = readJson(value.strip());
                if (parsed != null && !parsed.isTextual()) {
                    args.set(p.group(1).strip(), parsed);
                } else {
                    args.put(p.group(1).strip(), value);
                }
            }
            out.add(new Piece.ToolCall(name, args.toString()));
        }
        return out.isEmpty() ? null : out;
    }

    private Piece callFrom(JsonNode n) {
        if (!n.isObject() || !n.path("name").isTextual()) {
            return null;
        }
        String name = n.get("name").asText();
        if (!toolNames.contains(name)) {
            return null;
        }
        JsonNode args = n.has("arguments") ? n.get("arguments") : n.get("parameters");
        if (args == null || args.isNull()) {
            return new Piece.ToolCall(name, "{}");
        }
        if (args.isTextual()) {
            args = readJson(args.asText());
        }
        if (args == null || !args.isObject()) {
            return null;
        }
        return new Piece.ToolCall(name, args.toString());
    }

    // ---- scanning helpers

    private static boolean looksLikeWholeJson(String s) {
        String t = s.stripLeading();
        return t.startsWith("{") || t.startsWith("[{") || t.startsWith(PYTHON_TAG)
                || (!t.isEmpty() && PYTHON_TAG.startsWith(t));
    }

    private static int firstOpener(String s) {
        int best = -1;
        for (String o : OPENERS) {
            int i = s.indexOf(o);
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }

    /** Length of the longest suffix of {@code s} that is a proper prefix of an opener. */
    private static int partialOpenerSuffix(String s) {
        int best = 0;
        for (String o : OPENERS) {
            for (int k = Math.min(o.length() - 1, s.length()); k > best; k--) {
                if (s.regionMatches(s.length() - k, o, 0, k)) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    private static JsonNode readJson(String s) {
        if (s.isEmpty()) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(s);
        } catch (Exception e) {
            return null;
        }
    }

    private static List<Piece> merge(List<Piece> pieces) {
        List<Piece> out = new ArrayList<>();
        for (Piece p : pieces) {
            if (p instanceof Piece.Text t && !out.isEmpty() && out.get(out.size() - 1) instanceof Piece.Text prev) {
                out.set(out.size() - 1, new Piece.Text(prev.text() + t.text()));
            } else {
                out.add(p);
            }
        }
        return out;
    }
}
