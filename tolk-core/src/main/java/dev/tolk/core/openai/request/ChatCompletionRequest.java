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
 * @param priority          vLLM's {@code priority} (lower is scheduled earlier), sent only to an upstream started with
 *                          {@code --scheduling-policy priority}, which alone accepts a value other than 0
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
        boolean continueFinalMessage,
        Integer priority) {

    public ChatCompletionRequest {
        messages = List.copyOf(messages);
        tools = tools == null || tools.isEmpty() ? null : List.copyOf(tools);
    }

    public ChatCompletionRequest withMaxTokens(int n) {
        return toBuilder().maxTokens(n).build();
    }

    public ChatCompletionRequest withPriority(Integer p) {
        return toBuilder().priority(p).build();
    }

    public ChatCompletionRequest withToolChoice(String choice) {
        return toBuilder().toolChoice(choice, false).build();
    }

    public static Builder builder(String model, List<ChatMessage> messages) {
        return new Builder(model, messages);
    }

    public Builder toBuilder() {
        Builder b = new Builder(model, messages);
        b.maxTokens = maxTokens;
        b.temperature = temperature;
        b.topP = topP;
        b.topK = topK;
        b.stop = stop;
        b.stream = stream;
        b.tools = tools;
        b.toolChoice = toolChoice;
        b.toolChoiceIsNamed = toolChoiceIsNamed;
        b.parallelToolCalls = parallelToolCalls;
        b.user = user;
        b.chatTemplateKwargs = chatTemplateKwargs;
        b.reasoningEffort = reasoningEffort;
        b.thinkingTokenBudget = thinkingTokenBudget;
        b.responseFormat = responseFormat;
        b.continueFinalMessage = continueFinalMessage;
        b.priority = priority;
        return b;
    }

    /** Builds a request field by field; what is not set is not sent. */
    public static final class Builder {
        private final String model;
        private final List<ChatMessage> messages;
        private Integer maxTokens;
        private Double temperature;
        private Double topP;
        private Integer topK;
        private List<String> stop;
        private boolean stream;
        private List<FunctionTool> tools;
        private String toolChoice;
        private boolean toolChoiceIsNamed;
        private Boolean parallelToolCalls;
        private String user;
        private Map<String, Object> chatTemplateKwargs;
        private String reasoningEffort;
        private Integer thinkingTokenBudget;
        private JsonNode responseFormat;
        private boolean continueFinalMessage;
        private Integer priority;

        private Builder(String model, List<ChatMessage> messages) {
            this.model = model;
            this.messages = messages;
        }

        public Builder maxTokens(Integer v) { maxTokens = v; return this; }
        public Builder temperature(Double v) { temperature = v; return this; }
        public Builder topP(Double v) { topP = v; return this; }
        public Builder topK(Integer v) { topK = v; return this; }
        public Builder stop(List<String> v) { stop = v; return this; }
        public Builder stream(boolean v) { stream = v; return this; }
        public Builder tools(List<FunctionTool> v) { tools = v; return this; }
        /** {@code "auto"}, {@code "required"}, {@code "none"}, or with {@code named} a function name. */
        public Builder toolChoice(String v, boolean named) { toolChoice = v; toolChoiceIsNamed = named; return this; }
        public Builder parallelToolCalls(Boolean v) { parallelToolCalls = v; return this; }
        public Builder user(String v) { user = v; return this; }
        public Builder chatTemplateKwargs(Map<String, Object> v) { chatTemplateKwargs = v; return this; }
        public Builder reasoningEffort(String v) { reasoningEffort = v; return this; }
        public Builder thinkingTokenBudget(Integer v) { thinkingTokenBudget = v; return this; }
        public Builder responseFormat(JsonNode v) { responseFormat = v; return this; }
        public Builder continueFinalMessage(boolean v) { continueFinalMessage = v; return this; }
        public Builder priority(Integer v) { priority = v; return this; }

        public ChatCompletionRequest build() {
            return new ChatCompletionRequest(model, messages, maxTokens, temperature, topP, topK, stop, stream, tools,
                    toolChoice, toolChoiceIsNamed, parallelToolCalls, user, chatTemplateKwargs, reasoningEffort,
                    thinkingTokenBudget, responseFormat, continueFinalMessage, priority);
        }
    }
}
