package dev.tolk.core.keys;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SchedulingPriorityTest {
    @Test
    void theDefaultKeySendsZeroAndAHigherPriorityALowerVllmValue() {
        assertThat(SchedulingPriority.vllm(1)).isZero(); // what vLLM accepts without --scheduling-policy priority
        assertThat(SchedulingPriority.vllm(2)).isEqualTo(-1);
        assertThat(SchedulingPriority.vllm(10)).isEqualTo(-9);
        assertThat(SchedulingPriority.vllm(10)).isLessThan(SchedulingPriority.vllm(2)); // vLLM serves lower first
    }
}
