package dev.tolk.core.openai.request;

/** A part of an OpenAI message's array {@code content}: text or an image URL (data URL or http). */
public sealed interface ContentPart {
    record Text(String text) implements ContentPart {}

    record ImageUrl(String url) implements ContentPart {}
}
