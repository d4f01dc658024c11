package dev.tolk.core.translate.models;

import java.time.Instant;

/** One Anthropic {@code ModelInfo} (protocol.md §A.9); the two token limits are null when unknown. */
public record ModelInfo(String id, String displayName, Instant createdAt, Integer maxInputTokens, Integer maxTokens) {}
