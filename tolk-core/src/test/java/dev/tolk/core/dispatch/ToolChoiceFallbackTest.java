package dev.tolk.core.dispatch;

import static dev.tolk.core.dispatch.DispatchFixtures.noToolParser;
import static dev.tolk.core.dispatch.DispatchFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.core.translate.request.TranslatedRequest;
import org.junit.jupiter.api.Test;

/** {@code tool_choice: "none"} for an upstream without a tool-call parser, learned per model. */
class ToolChoiceFallbackTest {

    @Test
    void theMissingParserRejectionIsRetriedWithToolChoiceNoneAndRemembered() {
        ToolChoiceFallback fallback = new ToolChoiceFallback(true);
        TranslatedRequest tr = request(1000, true);
        assertThat(tr.chat().toolChoice()).isEqualTo("auto");
        assertThat(fallback.beforeSend(tr)).isSameAs(tr);

        Decision d = fallback.afterRejection(Attempt.first(tr), 400, noToolParser());
        Attempt next = ((Decision.Retry) d).next();
        assertThat(next.reason()).isEqualTo(RetryReason.NO_TOOL_PARSER);
        assertThat(next.request().chat().toolChoice()).isEqualTo("none");
        assertThat(next.request().chat().tools()).isNotEmpty(); // the template still shows the tools

        assertThat(fallback.beforeSend(request(1000, true)).chat().toolChoice()).isEqualTo("none");
    }

    @Test
    void otherErrorsAndRequestsWithoutAutoAreNotTouched() {
        ToolChoiceFallback fallback = new ToolChoiceFallback(true);
        assertThat(fallback.afterRejection(Attempt.first(request(1000, true)), 400,
                DispatchFixtures.vllm("messages: field required"))).isNull();
        assertThat(fallback.afterRejection(Attempt.first(request(1000, false)), 400, noToolParser())).isNull();
        assertThat(fallback.afterRejection(Attempt.first(request(1000, true)), 500, noToolParser())).isNull();
    }

    @Test
    void withoutTextToolCallRecoveryTheRejectionIsTheClientsToSee() {
        ToolChoiceFallback fallback = new ToolChoiceFallback(false);
        assertThat(fallback.afterRejection(Attempt.first(request(1000, true)), 400, noToolParser())).isNull();
        assertThat(fallback.beforeSend(request(1000, true)).chat().toolChoice()).isEqualTo("auto");
    }
}
