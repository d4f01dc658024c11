package dev.tolk.core.translate.request;

import dev.tolk.core.translate.error.ErrorMapping;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When an upstream rejects {@code tool_choice: "auto"} because vLLM runs without {@code --enable-auto-tool-choice
 * --tool-call-parser} (protocol.md §B.1), the request is sent again with {@code tool_choice: "none"}: the chat
 * template still shows the tools to the model, and the calls it writes as text are recovered (issue #5). The
 * upstream model is remembered, so later requests go straight to {@code "none"}. Used by every shell; pure state,
 * no I/O.
 */
public final class ToolChoiceFallback {
    private final boolean enabled;
    private final Set<String> modelsWithoutParser = ConcurrentHashMap.newKeySet();

    public ToolChoiceFallback(boolean enabled) {
        this.enabled = enabled;
    }

    /** The request to send first: already "none" for a model known to have no tool parser. */
    public TranslatedRequest beforeSend(TranslatedRequest tr) {
        if (enabled && "auto".equals(tr.chat().toolChoice()) && tr.facts().recoverTextToolCalls()
                && modelsWithoutParser.contains(tr.facts().upstreamModel())) {
            return tr.withToolChoiceNone();
        }
        return tr;
    }

    /** The request to retry with, or null when this error is not the missing-parser rejection. */
    public TranslatedRequest onUpstreamError(TranslatedRequest sent, int status, byte[] body) {
        if (!enabled || !"auto".equals(sent.chat().toolChoice()) || !sent.facts().recoverTextToolCalls()
                || !ErrorMapping.isAutoToolChoiceUnsupported(status, body)) {
            return null;
        }
        modelsWithoutParser.add(sent.facts().upstreamModel());
        return sent.withToolChoiceNone();
    }

    public boolean knownWithoutParser(String upstreamModel) {
        return modelsWithoutParser.contains(upstreamModel);
    }
}
