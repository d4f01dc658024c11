package dev.tolk.core.translate.request;

/** A {@code count_tokens} request translated into vLLM's chat-form {@code POST /tokenize} body. */
public record TranslatedTokenize(String clientModel, String upstreamModel, byte[] body) {}
