package dev.tolk.server.http;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Visits every member every period from one task on Jetty's scheduler, which runs only while there are members.
 * Joining or leaving is a set operation: a timer per request (scheduled, then cancelled a few milliseconds later)
 * woke the scheduler's thread whenever it became the earliest one, several thread wake-ups per request.
 */
final class Ticker<T> {
    private final Set<T> members = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean ticking = new AtomicBoolean();
    private final long periodMillis;
    private final Consumer<T> visit;
    private volatile Scheduler scheduler;

    Ticker(long periodMillis, Consumer<T> visit) {
        this.periodMillis = periodMillis;
        this.visit = visit;
    }

    /** Visits {@code member} every period from now on; {@code scheduler} is the server's (the same every time). */
    void add(T member, Scheduler scheduler) {
        this.scheduler = scheduler;
        members.add(member);
        if (ticking.compareAndSet(false, true)) {
            scheduler.schedule(this::tick, periodMillis, TimeUnit.MILLISECONDS);
        }
    }

    void remove(T member) {
        members.remove(member);
    }

    private void tick() {
        for (T member : members) {
            try {
                visit.accept(member);
            } catch (RuntimeException e) {
                remove(member); // a broken member must not stop the others' visits
            }
        }
        if (members.isEmpty()) {
            ticking.set(false);
            // a member that joined between the check and the reset found the ticker still ticking
            if (members.isEmpty() || !ticking.compareAndSet(false, true)) {
                return;
            }
        }
        scheduler.schedule(this::tick, periodMillis, TimeUnit.MILLISECONDS);
    }
}
