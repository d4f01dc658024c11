package dev.tolk.core.openai.request;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A {@code POST /v1/chat/completions} body for vLLM (protocol.md §B.2). Null fields are not sent, so the
 * model's own generation defaults stay in force for anything the client did not set.
 *
 * @param toolChoice        {@code "auto"}, {@code "required"}, {@code "none"}, or a function name (named choice)
 * @param toolChoiceIsNamed whether {@code toolChoice} is a function name
 */
public record ChatCompletionRequest(
        String model,
        List<ChatMessage> messages,
        Integer maxTokens,
        Double temperature,
        Double topP,
        Integer topK,
        List<String> stop,
        boolean stream,
        List<FunctionTool> tools,
        String toolChoice,
        boolean toolChoiceIsNamed,
        Boolean parallelToolCalls,
        String user,
        Map<String, Object> chatTemplateKwargs,
        String reasoningEffort,
        Integer thinkingTokenBudget,
        JsonNode responseFormat,
        boolean continueFinalMessage) {

    public ChatCompletionRequest {
        messages = List.copyOf(messages);
        tools = tools == null || tools.isEmpty() ? null : List.copyOf(tools);
    }

    public ChatCompletionRequest withMaxTokens(int n) {
        return new ChatCompletionRequest(model, messages, n, temperature, topP, topK, stop, stream, tools, toolChoice,
                toolChoiceIsNamed, parallelToolCalls, user, chatTemplateKwargs, reasoningEffort, thinkingTokenBudget,
                responseFormat, continueFinalMessage);
    }

    public ChatCompletionRequest withToolChoice(String choice) {
        return new ChatCompletionRequest(model, messages, maxTokens, temperature, topP, topK, stop, stream, tools,
                choice, false, parallelToolCalls, user, chatTemplateKwargs, reasoningEffort, thinkingTokenBudget,
                responseFormat, continueFinalMessage);
    }
}
