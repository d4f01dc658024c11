package dev.tolk.core.translate.request;

import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.anthropic.request.MessagesRequest;
import dev.tolk.core.anthropic.request.MessagesRequestParser;
import dev.tolk.core.openai.request.ChatCompletionRequest;
import dev.tolk.core.openai.request.ChatMessage;
import dev.tolk.core.openai.request.ChatRequestWriter;
import dev.tolk.core.openai.request.FunctionTool;
import dev.tolk.core.translate.ModelResolver;
import dev.tolk.core.translate.RequestFacts;
import dev.tolk.core.translate.TranslationOptions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Anthropic Messages request → vLLM Chat Completions request. Pure and thread-safe; one instance per upstream.
 *
 * <p>{@link #toChat} applies the field mappings in the order of protocol.md §C.1, so its body reads as the table
 * of contents of the request rules.
 */
public final class RequestTranslator {
    private final TranslationOptions options;
    private final ModelResolver models;

    public RequestTranslator(TranslationOptions options, ModelResolver models) {
        this.options = Objects.requireNonNull(options, "options");
        this.models = Objects.requireNonNull(models, "models");
    }

    public TranslationOptions options() {
        return options;
    }

    /** Parses, validates and translates a {@code /v1/messages} body. */
    public TranslatedRequest translate(byte[] messagesJson) throws AnthropicException {
        return translate(MessagesRequestParser.parseMessages(messagesJson));
    }

    public TranslatedRequest translate(MessagesRequest request) throws AnthropicException {
        List<String> unknownFields = RequestFieldPolicy.check(request.raw(), true);  // every top-level field
        ChatCompletionRequest chat = toChat(request, request.stream());
        return new TranslatedRequest(facts(request, chat), chat, unknownFields);
    }

    /** A {@code count_tokens} body → vLLM {@code /tokenize} body, converted exactly like a real request. */
    public TranslatedTokenize translateCountTokens(byte[] countTokensJson) throws AnthropicException {
        return translateCountTokens(MessagesRequestParser.parseCountTokens(countTokensJson));
    }

    /** A parsed {@code count_tokens} request (e.g. a thread's whole conversation) → vLLM {@code /tokenize} body. */
    public TranslatedTokenize translateCountTokens(MessagesRequest request) throws AnthropicException {
        RequestFieldPolicy.check(request.raw(), false);
        ChatCompletionRequest chat = toChat(request, false);
        return new TranslatedTokenize(request.model(), chat.model(), ChatRequestWriter.toTokenizeJson(chat));
    }

    private ChatCompletionRequest toChat(MessagesRequest r, boolean stream) throws AnthropicException {
        String model = models.upstreamModel(r.model());                          // model
        Integer maxTokens = MaxTokensMapping.toChat(r.maxTokens());               // max_tokens
        List<ChatMessage> messages = new ArrayList<>(r.messages().size() + 1);
        String system = SystemMapping.toChat(r.system());                         // system
        if (system != null) {
            messages.add(ChatMessage.system(system));
        }
        MessagesMapping.toChat(r.messages(), options, messages);                  // messages
        if (messages.isEmpty() || messages.size() == 1 && system != null) {
            throw AnthropicException.invalidRequest("messages: at least one message with content is required");
        }
        List<FunctionTool> tools = ToolsMapping.toChat(r.tools(), options);       // tools
        ToolChoiceMapping.Chat choice = ToolChoiceMapping.toChat(r.toolChoice(), tools); // tool_choice
        ThinkingMapping.Chat thinking = ThinkingMapping.toChat(r.thinking(), r.outputConfig(),
                options.reasoningStyle());                                        // thinking, output_config.effort
        return ChatCompletionRequest.builder(model, messages)
                .maxTokens(maxTokens)
                .temperature(r.temperature())                                     // temperature
                .topP(r.topP())                                                   // top_p
                .topK(r.topK())                                                   // top_k
                .stop(r.stopSequences())                                          // stop_sequences → stop
                .stream(stream)                                                   // stream + stream_options
                .tools(tools)
                .toolChoice(choice == null ? null : choice.choice(), choice != null && choice.named())
                .parallelToolCalls(choice == null ? null : choice.parallelToolCalls())
                .user(r.metadataUserId())                                         // metadata.user_id → user
                .chatTemplateKwargs(thinking.templateKwargs())
                .reasoningEffort(thinking.reasoningEffort())
                .thinkingTokenBudget(thinking.thinkingTokenBudget())
                .responseFormat(ResponseFormatMapping.toChat(r.outputConfig()))  // output_config.format
                .continueFinalMessage(MessagesMapping.endsWithPrefill(messages)) // assistant prefill
                .build();
    }

    private RequestFacts facts(MessagesRequest r, ChatCompletionRequest chat) {
        Set<String> toolNames = new LinkedHashSet<>();
        if (chat.tools() != null) {
            for (FunctionTool t : chat.tools()) {
                toolNames.add(t.name());
            }
        }
        boolean disableParallel = r.toolChoice() != null && r.toolChoice().disableParallelToolUse();
        boolean thinkingRequested = r.thinking() != null && r.thinking().isOn();
        return new RequestFacts(r.model(), chat.model(), r.stream(), r.maxTokens() == null ? 0 : r.maxTokens(),
                r.stopSequences() == null ? List.of() : r.stopSequences(), disableParallel, thinkingRequested,
                toolNames, options.recoverTextToolCalls() && !toolNames.isEmpty()
                        && !"none".equals(chat.toolChoice()));
    }
}
