package dev.tolk.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class IgnoredInputsTest {
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger("tolk.ignored");

    @BeforeEach
    void attach() {
        log.start();
        logger.addAppender(log);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(log);
    }

    @Test
    void eachUnknownNameIsLoggedOnceAndCountedEveryTime() {
        GatewayMetrics m = new GatewayMetrics();
        IgnoredInputs in = new IgnoredInputs(m);
        for (int i = 0; i < 3; i++) {
            in.note(List.of("new_field"), "claude-code-20250219,future-beta-2099-01-01");
        }
        in.note(List.of(), null);
        assertThat(m.scrape()).contains("tolk_ignored_fields_total{field=\"new_field\"} 3.0")
                .contains("tolk_ignored_betas_total{beta=\"future-beta-2099-01-01\"} 3.0")
                .doesNotContain("claude-code-20250219");
        assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "ignored unknown request field 'new_field' (accepted; see docs/request-fields.md)",
                "ignored unknown anthropic-beta 'future-beta-2099-01-01' (accepted; see docs/request-fields.md)");
    }

    @Test
    void distinctNamesAreCappedAndTheRestCountedAsOther() {
        GatewayMetrics m = new GatewayMetrics();
        IgnoredInputs in = new IgnoredInputs(m);
        for (int i = 0; i < 150; i++) {
            in.note(List.of("f" + i), null);
        }
        String scrape = m.scrape();
        Matcher f = Pattern.compile("tolk_ignored_fields_total\\{field=\"([^\"]+)\"} ([0-9.]+)").matcher(scrape);
        int series = 0;
        while (f.find()) {
            series++;
        }
        assertThat(series).isEqualTo(IgnoredInputs.MAX_NAMES + 1); // the first 100 and "other"
        assertThat(scrape).contains("tolk_ignored_fields_total{field=\"other\"} 50.0");
        assertThat(log.list).hasSize(IgnoredInputs.MAX_NAMES + 1);
    }
}
