package dev.tolk.core.translate.request;

import dev.tolk.core.openai.request.ChatCompletionRequest;
import dev.tolk.core.openai.request.ChatRequestWriter;
import dev.tolk.core.translate.RequestFacts;
import java.util.List;

/**
 * The result of translating one {@code /v1/messages} request: the typed upstream request, its JSON, and the
 * {@link RequestFacts} the response side needs. Immutable; {@code with…} return copies.
 */
public final class TranslatedRequest {
    private final RequestFacts facts;
    private final ChatCompletionRequest chat;
    private final List<String> unknownFields;
    private byte[] body;

    TranslatedRequest(RequestFacts facts, ChatCompletionRequest chat, List<String> unknownFields) {
        this.facts = facts;
        this.chat = chat;
        this.unknownFields = unknownFields;
    }

    /**
     * The request's top-level fields that {@link RequestFieldPolicy} does not know, in body order (usually empty):
     * accepted and ignored; the shell reports them (tolk-core does not log).
     */
    public List<String> unknownFields() {
        return unknownFields;
    }

    public RequestFacts facts() {
        return facts;
    }

    public ChatCompletionRequest chat() {
        return chat;
    }

    /** The JSON body for {@code POST /v1/chat/completions}. */
    public byte[] upstreamBody() {
        byte[] b = body;
        if (b == null) {
            b = ChatRequestWriter.toJson(chat);
            body = b;
        }
        return b;
    }

    /** The JSON body for vLLM's {@code POST /tokenize} with the same messages, tools and template kwargs. */
    public byte[] tokenizeBody() {
        return ChatRequestWriter.toTokenizeJson(chat);
    }

    /** The {@code max_tokens} that will be sent. */
    public int maxTokens() {
        return chat.maxTokens() == null ? 0 : chat.maxTokens();
    }

    /** A copy with {@code max_tokens} set to {@code n} (the gateway's context-window clamp). */
    public TranslatedRequest withMaxTokens(int n) {
        return new TranslatedRequest(facts, chat.withMaxTokens(n), unknownFields);
    }

    /**
     * A copy with vLLM's {@code priority} (for an upstream that schedules by priority): only requests of a key whose
     * priority is not the default pay for the second serialization of the body.
     */
    public TranslatedRequest withPriority(int vllmPriority) {
        return new TranslatedRequest(facts, chat.withPriority(vllmPriority), unknownFields);
    }

    /**
     * A copy with {@code tool_choice: "none"}: the tools are still rendered into the prompt by the chat template,
     * so a model on an upstream without a tool-call parser can write calls as text for recovery (issue #5).
     */
    public TranslatedRequest withToolChoiceNone() {
        return new TranslatedRequest(facts, chat.withToolChoice("none"), unknownFields);
    }
}
