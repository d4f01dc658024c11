package dev.tolk.core.dispatch;

import java.util.OptionalInt;

/** The context window ({@code max_model_len}) of an upstream model, empty when unknown; a lookup without I/O. */
@FunctionalInterface
public interface ContextWindows {
    OptionalInt windowOf(String upstreamModel);
}
