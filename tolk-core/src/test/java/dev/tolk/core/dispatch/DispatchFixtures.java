package dev.tolk.core.dispatch;

import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.translate.ModelResolver;
import dev.tolk.core.translate.TranslationOptions;
import dev.tolk.core.translate.request.RequestTranslator;
import dev.tolk.core.translate.request.TranslatedRequest;
import java.nio.charset.StandardCharsets;

/** Translated requests and vLLM error bodies for the dispatch tests (upstream model "m"). */
final class DispatchFixtures {
    static final String MODEL = "m";
    private static final RequestTranslator TRANSLATOR = new RequestTranslator(TranslationOptions.defaults(),
            ModelResolver.fixed(MODEL));

    private DispatchFixtures() {}

    /** A one-message request asking for {@code maxTokens}; with a tool (tool_choice "auto" upstream) if asked. */
    static TranslatedRequest request(int maxTokens, boolean withTool) {
        String tools = withTool ? ",\"tools\":[{\"name\":\"Bash\",\"input_schema\":{\"type\":\"object\"}}]" : "";
        String json = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + "hello ".repeat(100) + "\"}]" + tools + "}";
        try {
            return TRANSLATOR.translate(json.getBytes(StandardCharsets.UTF_8));
        } catch (AnthropicException e) {
            throw new AssertionError(e);
        }
    }

    /** vLLM's context-overflow 400 naming the prompt size P and the window L. */
    static byte[] overflow(long promptTokens, long window) {
        return vllm("This model's maximum context length is " + window + " tokens. However, you requested "
                + (promptTokens + 32000) + " tokens (" + promptTokens + " in the messages, 32000 in the completion).");
    }

    /** vLLM's 400 for tool_choice "auto" on a server without a tool-call parser. */
    static byte[] noToolParser() {
        return vllm("\\\"auto\\\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set");
    }

    static byte[] vllm(String message) {
        return ("{\"error\":{\"message\":\"" + message + "\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
