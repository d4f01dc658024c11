package dev.tolk.core.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The prompt-size estimate learned per model from exact counts. */
class PromptSizeEstimatorTest {
    private final PromptSizeEstimator estimator = new PromptSizeEstimator();

    @Test
    void beforeAnyObservationFourBytesMakeAToken() {
        assertThat(estimator.estimate("m", 4000)).isEqualTo(1000);
        assertThat(estimator.estimate("m", 4001)).isEqualTo(1001); // rounded up: a clamp must not be too generous
    }

    @Test
    void anExactCountSetsTheModelsRatioWithAThreePercentMargin() {
        estimator.observe("m", 10_000, 5000); // 0.5 tokens per byte
        assertThat(estimator.estimate("m", 10_000)).isEqualTo(5150);
        assertThat(estimator.estimate("other", 10_000)).isEqualTo(2500);
    }

    @Test
    void aLargerRatioWinsAtOnceASmallerOneOnlyPullsSlowly() {
        estimator.observe("m", 1000, 500);
        estimator.observe("m", 1000, 100);
        // max(0.103, 0.9 × 0.515 + 0.1 × 0.103) = 0.4738
        assertThat(estimator.estimate("m", 1000)).isEqualTo(474);
        estimator.observe("m", 1000, 900);
        assertThat(estimator.estimate("m", 1000)).isEqualTo(927);
    }

    @Test
    void emptyBodiesAndZeroCountsTeachNothing() {
        estimator.observe("m", 0, 500);
        estimator.observe("m", 1000, 0);
        assertThat(estimator.estimate("m", 1000)).isEqualTo(250);
    }
}
