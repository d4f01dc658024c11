package dev.tolk.sim;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * One instance's admission, as vLLM's scheduler does it: at most {@code max-num-seqs} requests run at once (0 = no
 * limit) and each running request holds its KV blocks; a request that does not fit waits in a FIFO queue, its
 * connection open, until running ones end. The prefix-cache lookup happens at admission, as in vLLM, so a waiting
 * request can hit blocks a request ahead of it left behind.
 *
 * <p>A request that needs more blocks than are free is admitted anyway when nothing runs (vLLM refuses to start
 * with a window larger than its KV capacity; the simulator lets it run rather than wait forever).
 */
final class Scheduler {
    private static final long PROBE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final int maxNumSeqs;
    private final KvCache cache;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Waiting requests in the order they are admitted: arrival, or with priority scheduling (priority, arrival). */
    private final java.util.LinkedList<Waiter> waiting = new java.util.LinkedList<>();
    private int running;

    /** An admitted request: the blocks it holds and how long it waited for them. */
    record Ticket(KvCache.Allocation allocation, long queuedNanos) {
        int cachedTokens() {
            return allocation.cachedTokens();
        }
    }

    private static final class Waiter {
        final int[] tokens;
        final int completionTokens;
        final long priority;
        KvCache.Allocation granted;

        Waiter(int[] tokens, int completionTokens, long priority) {
            this.tokens = tokens;
            this.completionTokens = completionTokens;
            this.priority = priority;
        }
    }

    Scheduler(int maxNumSeqs, KvCache cache) {
        this.maxNumSeqs = maxNumSeqs;
        this.cache = cache;
    }

    /**
     * Admits the request, waiting in line when it does not fit; null when the client left (or the thread was
     * interrupted) while it waited. {@code gone} is asked every 50 ms while waiting.
     */
    Ticket admit(int[] tokens, int completionTokens, BooleanSupplier gone) {
        return admit(tokens, completionTokens, 0, gone);
    }

    /** As {@link #admit(int[], int, BooleanSupplier)}; a waiting request goes behind those of lower or equal priority. */
    Ticket admit(int[] tokens, int completionTokens, long priority, BooleanSupplier gone) {
        long start = System.nanoTime();
        lock.lock();
        try {
            if (waiting.isEmpty() && fits(tokens.length, completionTokens)) {
                return new Ticket(run(tokens, completionTokens), 0);
            }
            Waiter w = new Waiter(tokens, completionTokens, priority);
            int at = waiting.size();
            while (at > 0 && waiting.get(at - 1).priority > priority) {
                at--;
            }
            waiting.add(at, w);
            while (w.granted == null) {
                boolean interrupted = false;
                try {
                    changed.awaitNanos(PROBE_NANOS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    interrupted = true;
                }
                if (w.granted == null && (interrupted || gone.getAsBoolean())) {
                    waiting.remove(w);
                    grantWaiting(); // the one behind may fit where this one did not
                    return null;
                }
            }
            return new Ticket(w.granted, System.nanoTime() - start);
        } finally {
            lock.unlock();
        }
    }

    /** The request ended (finished or aborted): its blocks become cached and the queue moves. */
    void release(Ticket t) {
        lock.lock();
        try {
            running--;
            cache.release(t.allocation());
            grantWaiting();
        } finally {
            lock.unlock();
        }
    }

    private boolean fits(int promptTokens, int completionTokens) {
        if (maxNumSeqs > 0 && running >= maxNumSeqs) {
            return false;
        }
        return running == 0 || cache.fits(KvCache.blocksFor(promptTokens, completionTokens));
    }

    private KvCache.Allocation run(int[] tokens, int completionTokens) {
        running++;
        return cache.allocate(tokens, completionTokens);
    }

    private void grantWaiting() {
        boolean granted = false;
        while (!waiting.isEmpty() && fits(waiting.peekFirst().tokens.length, waiting.peekFirst().completionTokens)) {
            Waiter w = waiting.pollFirst();
            w.granted = run(w.tokens, w.completionTokens);
            granted = true;
        }
        if (granted) {
            changed.signalAll();
        }
    }

    int running() {
        lock.lock();
        try {
            return running;
        } finally {
            lock.unlock();
        }
    }

    int waiting() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    double kvCacheUsage() {
        lock.lock();
        try {
            return cache.usage();
        } finally {
            lock.unlock();
        }
    }

    /** Empties the prefix cache; running and waiting requests carry on. */
    void clearCache() {
        lock.lock();
        try {
            cache.clear();
        } finally {
            lock.unlock();
        }
    }
}
