package dev.tolk.core.translate.stream;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.response.Usage;

/**
 * How a stream went, for logs and metrics: the Anthropic stop reason (null unless it finished), usage, the error
 * sent (null if none), and whether any content block was opened.
 */
public record StreamOutcome(String stopReason, Usage usage, AnthropicError error, boolean contentStarted) {}
