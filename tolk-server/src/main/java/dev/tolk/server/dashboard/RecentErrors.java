package dev.tolk.server.dashboard;

import java.util.ArrayList;
import java.util.List;

/** The latest {@link #SIZE} failed requests, the newest first. Not thread-safe: {@link DashboardNumbers} guards it. */
final class RecentErrors {
    static final int SIZE = 50;

    record Entry(String requestId, long atEpochMillis, String route, int status, String type, String note,
                 String key, String session, String upstream, String clientModel) {}

    private final Entry[] ring = new Entry[SIZE];
    private long added;

    void add(Entry e) {
        ring[(int) (added++ % SIZE)] = e;
    }

    List<Entry> newestFirst() {
        List<Entry> out = new ArrayList<>(SIZE);
        for (long i = added - 1; i >= 0 && i >= added - SIZE; i--) {
            out.add(ring[(int) (i % SIZE)]);
        }
        return out;
    }
}
