package dev.tolk.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Claude Code-shaped sessions built from one recorded request: every session starts as the recorded first turn of a
 * tool round trip (Claude Code's system prompt, tools, the {@code role:"system"} environment message and the user's
 * prompt), made its own by a working directory, a prompt and a session id of its own (in the
 * {@code x-claude-code-session-id} header and in {@code metadata.user_id}, as Claude Code sends them). Turn k is
 * turn k−1 plus the assistant's reply (a sentence and a {@code Read} tool call) and the user's tool result (a slice
 * of real text, the tools' descriptions, {@code toolResultChars} long), so the prompt grows as a real one does and
 * every turn's prompt starts with the one before it. Claude Code's cache marker sits on the newest tool result only.
 */
final class FleetWorkload {
    /** The recorded run whose first request every session starts from: a Bash round trip of CLI 2.1.331. */
    static final String BASE_FIXTURE = "70-canonical-tool-roundtrip.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RECORDED_DIR = "/home/dev/project";

    private final ObjectNode base;
    private final String corpus;
    private final int toolResultChars;

    private FleetWorkload(ObjectNode base, String corpus, int toolResultChars) {
        this.base = base;
        this.corpus = corpus;
        this.toolResultChars = toolResultChars;
    }

    static FleetWorkload fromFixtures(Path fixturesDir, int toolResultChars) throws IOException {
        Path file = fixturesDir.resolve(BASE_FIXTURE);
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode rec = JSON.readTree(line);
            JsonNode body = rec.path("body");
            if ("/v1/messages".equals(rec.path("path").asText()) && body.isObject()
                    && body.path("messages").size() == 2 && body.path("tools").size() > 0) {
                StringBuilder corpus = new StringBuilder();
                for (JsonNode tool : body.path("tools")) {
                    corpus.append(tool.path("description").asText()).append('\n');
                }
                return new FleetWorkload((ObjectNode) body, corpus.toString(), toolResultChars);
            }
        }
        throw new IOException("no first-turn POST /v1/messages request with tools in " + file);
    }

    /** The session's id, a UUID as Claude Code's. */
    static String sessionId(int session) {
        return UUID.nameUUIDFromBytes(("tolk-bench-fleet-session-" + session).getBytes(StandardCharsets.UTF_8))
                .toString();
    }

    /** The Anthropic request body of turn {@code turn} (1-based) of session {@code session}, streaming. */
    byte[] request(int session, int turn) {
        ObjectNode body = base.deepCopy();
        body.put("stream", true);
        String dir = RECORDED_DIR + "-" + session;
        ArrayNode messages = (ArrayNode) body.path("messages");
        for (JsonNode m : messages) {
            own(m, session, dir);
        }
        JsonNode metadata = body.path("metadata");
        if (metadata.isObject() && metadata.path("user_id").isTextual()) {
            ((ObjectNode) metadata).put("user_id", withSession(metadata.path("user_id").asText(), session));
        }
        for (int j = 1; j < turn; j++) {
            String id = "toolu_bench_" + session + "_" + j;
            ObjectNode assistant = messages.addObject();
            assistant.put("role", "assistant");
            ArrayNode said = assistant.putArray("content");
            said.addObject().put("type", "text").put("text", "I'll read the next file.");
            ObjectNode use = said.addObject().put("type", "tool_use").put("id", id).put("name", "Read");
            use.putObject("input").put("file_path", dir + "/src/File" + j + ".java");
            ObjectNode user = messages.addObject();
            user.put("role", "user");
            ObjectNode result = user.putArray("content").addObject();
            result.put("tool_use_id", id).put("type", "tool_result").put("content", fileText(session, j))
                    .put("is_error", false);
            if (j == turn - 1) {
                result.putObject("cache_control").put("type", "ephemeral");
            }
        }
        try {
            return JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The session's own working directory in the environment message and its own prompt in the user message. */
    private static void own(JsonNode message, int session, String dir) {
        JsonNode content = message.path("content");
        if ("system".equals(message.path("role").asText()) && content.isTextual()) {
            ((ObjectNode) message).put("content", content.asText().replace(RECORDED_DIR, dir));
        } else if ("user".equals(message.path("role").asText()) && content.isArray() && !content.isEmpty()) {
            ((ObjectNode) content.get(content.size() - 1)).put("text", "Session " + session
                    + ": read the source files of project-" + session + " one by one and summarise what each does.");
        }
        if (content.isArray()) {
            for (JsonNode block : content) {
                if (block.path("text").isTextual() && block.path("text").asText().contains(RECORDED_DIR)) {
                    ((ObjectNode) block).put("text", block.path("text").asText().replace(RECORDED_DIR, dir));
                }
            }
        }
    }

    /** Claude Code's metadata.user_id is a JSON string; its session_id becomes the session's. */
    private static String withSession(String userId, int session) {
        try {
            JsonNode parsed = JSON.readTree(userId);
            if (parsed.isObject()) {
                ((ObjectNode) parsed).put("session_id", sessionId(session));
                return JSON.writeValueAsString(parsed);
            }
        } catch (IOException e) {
            // not JSON: leave it as recorded
        }
        return userId;
    }

    private String fileText(int session, int turn) {
        StringBuilder sb = new StringBuilder(toolResultChars + 64);
        sb.append("File").append(turn).append(".java of project-").append(session).append(":\n");
        int at = Math.floorMod(session * 7919 + turn * 104_729, corpus.length());
        while (sb.length() < toolResultChars) {
            int n = Math.min(corpus.length() - at, toolResultChars - sb.length());
            sb.append(corpus, at, at + n);
            at = (at + n) % corpus.length();
        }
        return sb.toString();
    }
}
