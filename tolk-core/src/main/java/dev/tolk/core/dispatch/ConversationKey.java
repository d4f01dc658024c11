package dev.tolk.core.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.json.Json;
import dev.tolk.core.openai.request.ChatCompletionRequest;
import dev.tolk.core.openai.request.ChatMessage;
import dev.tolk.core.openai.request.ContentPart;
import dev.tolk.core.openai.request.FunctionTool;

/**
 * The 64-bit key that keeps a conversation on the upstream holding its prefix cache. In order of preference:
 * Claude Code's {@code x-claude-code-session-id} header; the session inside {@code metadata.user_id} (Claude Code
 * sends a JSON string {@code {"device_id":…,"session_id":…}}; older versions end the string with
 * {@code _session_<uuid>}); else a hash of what every turn of one conversation repeats: the model, the system prompt
 * (billing header already removed by the translation), the tools and the first user message.
 *
 * <p>Every part is hashed with functions the Java specification fixes ({@link String#hashCode}, FNV-1a, then
 * {@link #mix}), so every Tolk replica computes the same key for the same conversation with no shared state.
 */
public final class ConversationKey {
    private ConversationKey() {}

    /** The key of {@code chat} (the translated request); {@code sessionHeader} may be null. */
    public static long of(String sessionHeader, ChatCompletionRequest chat) {
        if (sessionHeader != null && !sessionHeader.isEmpty()) {
            return ofText(sessionHeader);
        }
        String session = sessionOf(chat.user());
        if (session != null) {
            return ofText(session);
        }
        long h = mix(chat.model().hashCode());
        for (ChatMessage m : chat.messages()) {
            if ("user".equals(m.role())) {
                h = mix(h ^ textHash(m) * 31);
                break;
            }
            if ("system".equals(m.role()) || "developer".equals(m.role())) {
                h = mix(h ^ textHash(m));
            }
        }
        if (chat.tools() != null) {
            for (FunctionTool t : chat.tools()) {
                long d = t.description() == null ? 0 : t.description().hashCode();
                h = mix(h ^ (t.name().hashCode() & 0xffffffffL) ^ d << 32);
            }
        }
        return h;
    }

    /** The session id inside a {@code metadata.user_id}, or null when there is none. */
    public static String sessionOf(String userId) {
        if (userId == null || userId.isEmpty()) {
            return null;
        }
        if (userId.charAt(0) == '{') {
            return jsonSessionId(userId);
        }
        int s = userId.lastIndexOf("_session_");
        if (s >= 0 && s + 9 < userId.length()) {
            return userId.substring(s + 9);
        }
        return userId; // an opaque user id: that user's requests stay together, which is what it names
    }

    /**
     * The {@code session_id} string of Claude Code's JSON user id. A scan rather than a JSON parse (a parse cost
     * ≈ 1 µs and 1.4 KB a request): the value is a UUID, and a value with escapes is read by Jackson.
     */
    private static String jsonSessionId(String json) {
        int k = json.indexOf("\"session_id\"");
        if (k < 0) {
            return null;
        }
        int i = k + 12;
        while (i < json.length() && (json.charAt(i) == ' ' || json.charAt(i) == ':')) {
            i++;
        }
        if (i >= json.length() || json.charAt(i) != '"') {
            return null;
        }
        int end = json.indexOf('"', i + 1);
        if (end < 0) {
            return null;
        }
        if (json.lastIndexOf('\\', end) > i) {
            try {
                JsonNode n = Json.MAPPER.readTree(json).get("session_id");
                return n != null && n.isTextual() && !n.asText().isEmpty() ? n.asText() : null;
            } catch (java.io.IOException e) {
                return null;
            }
        }
        return end == i + 1 ? null : json.substring(i + 1, end);
    }

    /** A stable 64-bit hash of a text (its UTF-16 code units through FNV-1a, then {@link #mix}). */
    public static long ofText(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001b3L;
        }
        return mix(h);
    }

    private static long textHash(ChatMessage m) {
        if (m.text() != null) {
            return m.text().hashCode() & 0xffffffffL;
        }
        long h = 0;
        if (m.parts() != null) {
            for (ContentPart part : m.parts()) {
                String t = switch (part) {
                    case ContentPart.Text x -> x.text();
                    case ContentPart.ImageUrl x -> x.url();
                };
                h = h * 31 + (t == null ? 0 : t.hashCode());
            }
        }
        return h;
    }

    /** SplitMix64's finaliser: every input bit flips about half of the output bits. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
