package dev.tolk.core.translate.request;

import dev.tolk.core.anthropic.request.ContentBlockParam;
import java.util.List;

/**
 * {@code system} → one leading {@code system} message (protocol.md §C.1, §C.2.1).
 *
 * <p>Text blocks are joined with a blank line; {@code cache_control} is dropped with the block wrapper. Blocks
 * beginning {@code x-anthropic-billing-header:} are removed: Claude Code changes them on every request, which
 * would defeat vLLM's prefix cache for the whole prompt.
 */
final class SystemMapping {
    static final String BILLING_HEADER_PREFIX = "x-anthropic-billing-header:";

    private SystemMapping() {}

    /** The system prompt text, or null when nothing is left. */
    static String toChat(List<ContentBlockParam.Text> system) {
        StringBuilder sb = null;
        for (ContentBlockParam.Text t : system) {
            String text = t.text();
            if (isBillingHeader(text) || text.isEmpty()) {
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(text.length() + 64);
            } else {
                sb.append("\n\n");
            }
            sb.append(text);
        }
        return sb == null ? null : sb.toString();
    }

    static boolean isBillingHeader(String text) {
        return text.regionMatches(true, 0, BILLING_HEADER_PREFIX, 0, BILLING_HEADER_PREFIX.length());
    }
}
