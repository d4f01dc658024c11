package dev.tolk.core.anthropic.request;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A {@code POST /v1/messages} body (protocol.md §A.2) — also used for {@code count_tokens}, where
 * {@code maxTokens} is null. Optional generation controls are null when the client did not set them, so only
 * what the client chose is forwarded. {@code raw} is the body as received.
 */
public record MessagesRequest(
        String model,
        Integer maxTokens,
        List<MessageParam> messages,
        List<ContentBlockParam.Text> system,
        boolean stream,
        Double temperature,
        Double topP,
        Integer topK,
        List<String> stopSequences,
        List<ToolParam> tools,
        ToolChoice toolChoice,
        ThinkingConfig thinking,
        OutputConfig outputConfig,
        String metadataUserId,
        ObjectNode raw) {

    public MessagesRequest {
        messages = List.copyOf(messages);
        system = List.copyOf(system);
        stopSequences = stopSequences == null ? null : List.copyOf(stopSequences);
        tools = List.copyOf(tools);
    }
}
