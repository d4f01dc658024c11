package dev.tolk.core.translate.request;

import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.anthropic.request.ToolChoice;
import dev.tolk.core.openai.request.FunctionTool;
import java.util.List;

/**
 * {@code tool_choice} → {@code tool_choice} + {@code parallel_tool_calls} (protocol.md §C.1, §B.6):
 * auto → "auto", any → "required", tool → named function, none → "none";
 * {@code disable_parallel_tool_use} → {@code parallel_tool_calls:false} (and the response side keeps only the
 * first call, since old vLLM ignores the flag).
 */
final class ToolChoiceMapping {
    private ToolChoiceMapping() {}

    record Chat(String choice, boolean named, Boolean parallelToolCalls) {}

    /** Null when there are no tools upstream: vLLM rejects a tool choice without tools. */
    static Chat toChat(ToolChoice choice, List<FunctionTool> tools) throws AnthropicException {
        if (tools == null) {
            return null;
        }
        if (choice == null) {
            return new Chat("auto", false, null);
        }
        Boolean parallel = choice.disableParallelToolUse() ? Boolean.FALSE : null;
        return switch (choice.type()) {
            case "any" -> new Chat("required", false, parallel);
            case "none" -> new Chat("none", false, null);
            case "tool" -> {
                if (tools.stream().noneMatch(t -> t.name().equals(choice.name()))) {
                    throw AnthropicException.invalidRequest(
                            "tool_choice.name: no tool named '" + choice.name() + "' in tools");
                }
                yield new Chat(choice.name(), true, parallel);
            }
            default -> new Chat("auto", false, parallel);
        };
    }
}
