package dev.tolk.core.translate.request;

import dev.tolk.core.anthropic.request.ContentBlockParam;
import java.util.List;

/** Joins the text blocks of a content list. */
final class ContentTexts {
    private ContentTexts() {}

    static String join(List<ContentBlockParam> blocks, String sep) {
        StringBuilder sb = new StringBuilder();
        for (ContentBlockParam c : blocks) {
            if (c instanceof ContentBlockParam.Text t && !t.text().isEmpty()) {
                if (!sb.isEmpty()) {
                    sb.append(sep);
                }
                sb.append(t.text());
            }
        }
        return sb.toString();
    }
}
