package dev.tolk.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/** The last {@value #CAPACITY} requests (method, path, headers, body), newest last. */
public final class RequestLog {
    static final int CAPACITY = 500;

    /** One logged request; {@code body} is null when it was not JSON. */
    public record Entry(String method, String path, Map<String, String> headers, JsonNode body) {}

    private final Deque<Entry> entries = new ArrayDeque<>();

    synchronized void add(Entry e) {
        if (entries.size() == CAPACITY) {
            entries.removeFirst();
        }
        entries.addLast(e);
    }

    public synchronized List<Entry> last(int n) {
        List<Entry> all = new ArrayList<>(entries);
        return all.subList(Math.max(0, all.size() - n), all.size());
    }

    synchronized void clear() {
        entries.clear();
    }
}
