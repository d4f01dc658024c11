package dev.tolk.core.keys;

/**
 * A key's priority as vLLM's request {@code priority}. Tolk's priority is a weight: 1 is the default and a higher
 * one gets more. vLLM's scheduler with {@code --scheduling-policy priority} serves the lowest value first (ties by
 * arrival; {@code PriorityRequestQueue} in {@code vllm/v1/core/sched/request_queue.py}) and, without that policy,
 * rejects any value other than 0 ("Got priority N but Priority scheduling is not enabled."). So priority p is sent
 * as {@code 1 − p}: the default key sends 0, the same as a request that names none, and a higher key a lower value.
 */
public final class SchedulingPriority {
    private SchedulingPriority() {}

    /** vLLM's {@code priority} for a key of priority {@code keyPriority} (≥ 1). */
    public static int vllm(int keyPriority) {
        return 1 - Math.max(1, keyPriority);
    }
}
