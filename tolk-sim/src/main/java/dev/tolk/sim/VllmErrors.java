package dev.tolk.sim;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** vLLM's error bodies and messages, word for word where vLLM has fixed wording (protocol.md §B.2, §B.8). */
final class VllmErrors {
    private VllmErrors() {}

    /** A failure that ends the request with a vLLM-shaped error response. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String type;
        final String param;

        Failure(int status, String type, String message, String param) {
            super(message, null, false, false);
            this.status = status;
            this.type = type;
            this.param = param;
        }
    }

    static Failure badRequest(String message) {
        return new Failure(400, "BadRequestError", message, null);
    }

    static Failure badRequest(String message, String param) {
        return new Failure(400, "BadRequestError", message, param);
    }

    static Failure notFound(String model) {
        return new Failure(404, "NotFoundError", "The model `" + model + "` does not exist.", "model");
    }

    /** {@code {"error":{"message","type","param","code"}}}. */
    static byte[] body(int status, String type, String message, String param) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", message);
        e.put("type", type);
        if (param == null) {
            e.putNull("param");
        } else {
            e.put("param", param);
        }
        e.put("code", status);
        return root.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    static final String AUTO_TOOL_CHOICE =
            "\"auto\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set";

    /** The context-overflow 400 in the wording of one vLLM era (protocol.md §B.8). */
    static Failure contextOverflow(String era, int limit, int prompt, Integer requested, boolean maxTokensGiven) {
        int m = requested == null ? 0 : requested;
        return switch (era) {
            case "old" -> badRequest(maxTokensGiven
                    ? "This model's maximum context length is " + limit + " tokens. However, you requested "
                    + (prompt + m) + " tokens (" + prompt + " in the messages, " + m
                    + " in the completion). Please reduce the length of the messages or completion."
                    : "This model's maximum context length is " + limit + " tokens. However, you requested "
                    + prompt + " tokens in the messages, Please reduce the length of the messages.");
            case "mid" -> prompt >= limit
                    ? badRequest("This model's maximum context length is " + limit + " tokens. However, your request has "
                    + prompt + " input tokens. Please reduce the length of the input messages. (parameter=input_tokens, value="
                    + prompt + ")", "input_tokens")
                    : badRequest("'max_tokens' or 'max_completion_tokens' is too large: " + m
                    + ". This model's maximum context length is " + limit + " tokens and your request has " + prompt
                    + " input tokens (" + m + " > " + limit + " - " + prompt + "). (parameter=max_tokens, value=" + m + ")",
                    "max_tokens");
            case "v019" -> badRequest("This model's maximum context length is " + limit + " tokens. However, you requested "
                    + m + " output tokens and your prompt contains " + prompt + " input tokens, for a total of "
                    + (prompt + m) + " tokens (" + prompt + " + " + m + " = " + (prompt + m) + " > " + limit
                    + "). Please reduce the length of the input prompt or the number of requested output tokens.");
            default -> badRequest("This model's maximum context length is " + limit + " tokens. However, you requested "
                    + m + " output tokens and your prompt contains at least " + Math.min(prompt, limit + 1)
                    + " input tokens, for a total of at least " + (Math.min(prompt, limit + 1) + m)
                    + " tokens. Please reduce the length of the input prompt or the number of requested output tokens."
                    + " (parameter=input_tokens, value=" + Math.min(prompt, limit + 1) + ")", "input_tokens");
        };
    }
}
