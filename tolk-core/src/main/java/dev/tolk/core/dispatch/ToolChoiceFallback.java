package dev.tolk.core.dispatch;

import dev.tolk.core.translate.error.ErrorMapping;
import dev.tolk.core.translate.request.TranslatedRequest;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When an upstream rejects {@code tool_choice: "auto"} because vLLM runs without {@code --enable-auto-tool-choice
 * --tool-call-parser} (protocol.md §B.1), the request is sent again with {@code tool_choice: "none"}: the chat
 * template still shows the tools to the model, and the calls it writes as text are recovered (issue #5). The
 * upstream model is remembered, so later requests go straight to {@code "none"}. Pure state, no I/O.
 */
public final class ToolChoiceFallback {
    private final boolean enabled;
    private final Set<String> modelsWithoutParser = ConcurrentHashMap.newKeySet();

    public ToolChoiceFallback(boolean enabled) {
        this.enabled = enabled;
    }

    /** The request to send first: already "none" for a model known to have no tool parser. */
    public TranslatedRequest beforeSend(TranslatedRequest tr) {
        if (applies(tr) && modelsWithoutParser.contains(tr.facts().upstreamModel())) {
            return tr.withToolChoiceNone();
        }
        return tr;
    }

    /** The retry with {@code tool_choice: "none"}, or null when this error is not the missing-parser rejection. */
    public Decision afterRejection(Attempt sent, int status, byte[] body) {
        TranslatedRequest tr = sent.request();
        if (!applies(tr) || !ErrorMapping.isAutoToolChoiceUnsupported(status, body)) {
            return null;
        }
        modelsWithoutParser.add(tr.facts().upstreamModel());
        return new Decision.Retry(sent.retry(tr.withToolChoiceNone(), RetryReason.NO_TOOL_PARSER));
    }

    private boolean applies(TranslatedRequest tr) {
        return enabled && "auto".equals(tr.chat().toolChoice()) && tr.facts().recoverTextToolCalls();
    }
}
