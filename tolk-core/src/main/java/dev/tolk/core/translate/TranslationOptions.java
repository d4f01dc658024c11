package dev.tolk.core.translate;

import java.util.Objects;

/**
 * Operator-chosen translation behaviour, fixed per upstream. Immutable; start from {@link #defaults()} and use
 * the {@code with…} methods.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>reasoningStyle</td><td>AUTO</td><td>see {@link ReasoningStyle}</td></tr>
 *   <tr><td>inlineSystem</td><td>FOLD_INTO_USER</td><td>see {@link InlineSystemPolicy}</td></tr>
 *   <tr><td>replayThinking</td><td>true</td><td>assistant {@code thinking} blocks go upstream as {@code reasoning}
 *       and {@code reasoning_content}; false drops them</td></tr>
 *   <tr><td>pdf</td><td>REJECT</td><td>see {@link PdfPolicy}</td></tr>
 *   <tr><td>recoverTextToolCalls</td><td>true</td><td>tool calls the model wrote as text (Hermes, Qwen3-Coder,
 *       Llama JSON, Mistral) become {@code tool_use} blocks (issue #5)</td></tr>
 *   <tr><td>forwardServerTools</td><td>false</td><td>Anthropic server tools ({@code web_search_*} …) are dropped;
 *       vLLM cannot run them</td></tr>
 * </table>
 */
public record TranslationOptions(
        ReasoningStyle reasoningStyle,
        InlineSystemPolicy inlineSystem,
        boolean replayThinking,
        PdfPolicy pdf,
        boolean recoverTextToolCalls,
        boolean forwardServerTools) {

    public TranslationOptions {
        Objects.requireNonNull(reasoningStyle, "reasoningStyle");
        Objects.requireNonNull(inlineSystem, "inlineSystem");
        Objects.requireNonNull(pdf, "pdf");
    }

    private static final TranslationOptions DEFAULTS = new TranslationOptions(
            ReasoningStyle.AUTO, InlineSystemPolicy.FOLD_INTO_USER, true, PdfPolicy.REJECT, true, false);

    public static TranslationOptions defaults() {
        return DEFAULTS;
    }

    public TranslationOptions withReasoningStyle(ReasoningStyle v) {
        return new TranslationOptions(v, inlineSystem, replayThinking, pdf, recoverTextToolCalls, forwardServerTools);
    }

    public TranslationOptions withInlineSystem(InlineSystemPolicy v) {
        return new TranslationOptions(reasoningStyle, v, replayThinking, pdf, recoverTextToolCalls, forwardServerTools);
    }

    public TranslationOptions withReplayThinking(boolean v) {
        return new TranslationOptions(reasoningStyle, inlineSystem, v, pdf, recoverTextToolCalls, forwardServerTools);
    }

    public TranslationOptions withPdf(PdfPolicy v) {
        return new TranslationOptions(reasoningStyle, inlineSystem, replayThinking, v, recoverTextToolCalls, forwardServerTools);
    }

    public TranslationOptions withRecoverTextToolCalls(boolean v) {
        return new TranslationOptions(reasoningStyle, inlineSystem, replayThinking, pdf, v, forwardServerTools);
    }

    public TranslationOptions withForwardServerTools(boolean v) {
        return new TranslationOptions(reasoningStyle, inlineSystem, replayThinking, pdf, recoverTextToolCalls, v);
    }
}
