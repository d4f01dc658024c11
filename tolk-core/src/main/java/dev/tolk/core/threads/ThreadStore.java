package dev.tolk.core.threads;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.anthropic.request.MessagesRequest;
import dev.tolk.core.anthropic.request.MessagesRequestParser;
import dev.tolk.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Message threads ({@code thread} on {@code /v1/messages}, beta {@code message-threads-2026-08-12}) held in memory,
 * for the gateway and the in-process SDK adapter alike. A {@code create} request carries the whole conversation; its
 * reply is stored under the reply's {@code id} with the request's {@code system}, {@code tools} and {@code model}. A
 * {@code continue} names that id and carries only the new messages; {@link #begin} expands it into the whole
 * conversation, which then goes through the ordinary translator.
 *
 * <p>Rules: each stored reply can be continued once ({@code thread_already_continued} after that); while a continue
 * is in flight its id is locked ({@code thread_continue_in_flight}) until the reply is stored or abandoned, and an
 * abandoned turn (error, cut-off stream) leaves the id continuable. A thread expires {@code ttl} after its last use.
 * Conversations are kept as JSON bytes, counted against {@code maxBytes}; over it the least recently used go first.
 * An expired or evicted id answers {@code thread_not_found}, on which the SDKs replay the whole conversation.
 *
 * <p>Thread-safe (one lock; threaded requests only). The clock ({@code System::nanoTime} in a shell) is passed in.
 */
public final class ThreadStore {
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    public static final long DEFAULT_MAX_BYTES = 256L << 20;
    /** What an entry costs besides its conversation (id, state, map node): a continued id keeps only this. */
    static final int ENTRY_OVERHEAD_BYTES = 160;

    /**
     * A stored conversation: immutable, moved from a reply's entry to its continuation's. {@code thread} is the id of
     * the thread's first reply (the same for every turn, a fleet's conversation key) and {@code upstream} the name of
     * the upstream that answered the last stored reply (where a fleet sends the next continue); both are null before
     * the first reply is stored, and {@code upstream} also when the shell did not say.
     */
    record Conversation(String model, String thread, String upstream, byte[] system, byte[] tools,
                        List<byte[]> segments, long bytes) {
        static Conversation empty(String model, byte[] system, byte[] tools) {
            return new Conversation(model, null, null, system, tools, List.of(), len(system) + len(tools));
        }

        /** This conversation with {@code segment} appended, answered by {@code upstream}, stored under {@code replyId}. */
        Conversation plus(byte[] segment, String replyId, String upstream) {
            List<byte[]> s = new ArrayList<>(segments.size() + 1);
            s.addAll(segments);
            s.add(segment);
            return new Conversation(model, thread == null ? replyId : thread, upstream, system, tools, List.copyOf(s),
                    bytes + segment.length);
        }

        private static long len(byte[] b) {
            return b == null ? 0 : b.length;
        }
    }

    private enum State { OPEN, IN_FLIGHT, CONTINUED }

    private static final class Entry {
        Conversation conversation; // null once continued
        State state = State.OPEN;
        long lastUsed;
        long bytes;
    }

    private final long maxBytes;
    private final long ttlNanos;
    private final LongSupplier nanoClock;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true); // least recent first
    private long bytes;
    private long evictions;

    public ThreadStore(long maxBytes, Duration ttl, LongSupplier nanoClock) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0");
        }
        this.maxBytes = maxBytes;
        this.ttlNanos = ttl.toNanos();
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /**
     * The turn of a request that carries {@code thread}, or null when it carries none (the ordinary path: one field
     * lookup). A {@code continue} locks its id until the turn ends. Any upstream may serve any turn (each goes up as
     * the whole conversation); the turn names the thread and the upstream that answered its last reply, for routing.
     *
     * @throws AnthropicException a thread error ({@link ThreadErrors}), or the expanded request's validation error
     */
    public ThreadTurn begin(MessagesRequest request) throws AnthropicException {
        ObjectNode raw = request.raw();
        ThreadParam param = ThreadParam.read(raw.get("thread"));
        if (param == null) {
            return null;
        }
        JsonNode messages = raw.get("messages"); // an array: the parser checked it
        if (param instanceof ThreadParam.Create) {
            requireNoPrefill(messages);
            raw.remove("thread");
            Conversation c = Conversation.empty(request.model(), bytesOf(raw.get("system")),
                    bytesOf(raw.get("tools")));
            return new ThreadTurn(this, null, c, messages, request);
        }
        String previousId = ((ThreadParam.Continue) param).previousMessageId();
        requireNoPrefill(messages);
        Conversation c;
        synchronized (this) {
            expire();
            Entry e = entries.get(previousId);
            if (e == null) {
                throw ThreadErrors.notFound(previousId);
            }
            switch (e.state) {
                case CONTINUED -> throw ThreadErrors.alreadyContinued(previousId);
                case IN_FLIGHT -> throw ThreadErrors.inFlight(previousId);
                case OPEN -> { }
            }
            c = e.conversation;
            requireSameFingerprint(c, request);
            e.state = State.IN_FLIGHT;
            e.lastUsed = nanoClock.getAsLong();
        }
        try {
            MessagesRequest full = MessagesRequestParser.parseMessages(expandedBody(c, raw));
            return new ThreadTurn(this, previousId, c, messages, full);
        } catch (AnthropicException | RuntimeException e) {
            release(previousId, c); // the whole conversation is invalid: nothing was sent, the id stays continuable
            throw e;
        }
    }

    /**
     * A {@code count_tokens} request with {@code thread}: the whole conversation, counted and never stored (no lock
     * is taken). Without {@code thread} the request itself.
     */
    public MessagesRequest expandForCount(MessagesRequest request) throws AnthropicException {
        ObjectNode raw = request.raw();
        ThreadParam param = ThreadParam.read(raw.get("thread"));
        if (param == null) {
            return request;
        }
        if (param instanceof ThreadParam.Create) {
            raw.remove("thread");
            return request;
        }
        String previousId = ((ThreadParam.Continue) param).previousMessageId();
        Conversation c;
        synchronized (this) {
            expire();
            Entry e = entries.get(previousId);
            if (e == null || e.conversation == null) {
                throw e == null ? ThreadErrors.notFound(previousId) : ThreadErrors.alreadyContinued(previousId);
            }
            c = e.conversation;
            requireSameFingerprint(c, request);
        }
        return MessagesRequestParser.parseCountTokens(expandedBody(c, raw));
    }

    /**
     * The name of the upstream that answered the reply {@code messageId}, if that reply is held and continuable and
     * the shell said which upstream it was: where a fleet sends its continue.
     */
    public synchronized Optional<String> upstreamOf(String messageId) {
        Entry e = entries.get(messageId);
        return e == null || e.conversation == null ? Optional.empty() : Optional.ofNullable(e.conversation.upstream());
    }

    /** Stored replies that can still be continued (or are being continued). */
    public synchronized int threads() {
        int n = 0;
        for (Entry e : entries.values()) {
            if (e.conversation != null) {
                n++;
            }
        }
        return n;
    }

    /** Bytes held (conversations as JSON plus a fixed cost per id). */
    public synchronized long bytes() {
        return bytes;
    }

    public synchronized long evictions() {
        return evictions;
    }

    public long maxBytes() {
        return maxBytes;
    }

    // ---- turn ends

    synchronized void commit(ThreadTurn turn, String replyId, JsonNode replyContent, String upstream) {
        Conversation next;
        try {
            next = turn.base().plus(Json.MAPPER.writeValueAsBytes(turn.segment(replyContent)), replyId, upstream);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        long now = nanoClock.getAsLong();
        String previousId = turn.previousMessageId();
        if (previousId != null) {
            Entry prev = entries.get(previousId);
            if (prev != null && prev.conversation == turn.base()) { // still the one this turn locked
                prev.conversation = null;
                prev.state = State.CONTINUED;
                prev.lastUsed = now;
                resize(prev, ENTRY_OVERHEAD_BYTES);
            }
        }
        if (next.bytes() + ENTRY_OVERHEAD_BYTES <= maxBytes) {
            Entry e = new Entry();
            e.conversation = next;
            e.lastUsed = now;
            Entry old = entries.put(replyId, e);
            if (old != null) {
                bytes -= old.bytes;
            }
            resize(e, next.bytes() + ENTRY_OVERHEAD_BYTES);
        }
        expire();
        evictOver(replyId);
    }

    void release(ThreadTurn turn) {
        if (turn.previousMessageId() != null) {
            release(turn.previousMessageId(), turn.base());
        }
    }

    private synchronized void release(String previousId, Conversation locked) {
        Entry e = entries.get(previousId);
        if (e != null && e.state == State.IN_FLIGHT && e.conversation == locked) {
            e.state = State.OPEN;
            e.lastUsed = nanoClock.getAsLong();
        }
    }

    // ---- internals

    private void resize(Entry e, long newBytes) {
        bytes += newBytes - e.bytes;
        e.bytes = newBytes;
    }

    /** Drops the entries last used longer than the TTL ago (they come first: the map is in order of use). */
    private void expire() {
        long now = nanoClock.getAsLong();
        Iterator<Entry> it = entries.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (now - e.lastUsed < ttlNanos) {
                break;
            }
            bytes -= e.bytes;
            it.remove();
        }
    }

    /** Drops the least recently used entries until the bound holds, keeping {@code keep} (just stored). */
    private void evictOver(String keep) {
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<String, Entry> e = it.next();
            if (e.getKey().equals(keep)) {
                continue;
            }
            bytes -= e.getValue().bytes;
            it.remove();
            evictions++;
        }
    }

    /**
     * A request whose conversation ends with an assistant message asks the model to go on with it (a prefill); the
     * reply would continue that message rather than follow it, which a thread cannot store as one turn.
     */
    private static void requireNoPrefill(JsonNode messages) throws AnthropicException {
        if (messages != null && !messages.isEmpty()) {
            JsonNode role = messages.get(messages.size() - 1).get("role");
            if (role != null && "assistant".equals(role.asText())) {
                throw ThreadErrors.unsupported(List.of("assistant_prefill"),
                        "the conversation ends with an assistant message, whose continuation Tolk cannot store as a turn");
            }
        } else {
            throw ThreadErrors.unsupported(List.of("empty_messages"),
                    "a continue without new messages resumes an unfinished reply, which Tolk's upstreams never send");
        }
    }

    /**
     * The fields a continue must keep: {@code model} (the stored replies were written by it), and {@code system} and
     * {@code tools}, which a continue leaves out (the thread keeps them) and may repeat only unchanged.
     */
    private static void requireSameFingerprint(Conversation c, MessagesRequest request) throws AnthropicException {
        List<String> changed = new ArrayList<>(3);
        if (!c.model().equals(request.model())) {
            changed.add("model");
        }
        if (differs(c.system(), request.raw().get("system"))) {
            changed.add("system");
        }
        if (differs(c.tools(), request.raw().get("tools"))) {
            changed.add("tools");
        }
        if (!changed.isEmpty()) {
            throw ThreadErrors.fingerprintMismatch(changed);
        }
    }

    private static boolean differs(byte[] stored, JsonNode sent) {
        if (sent == null || sent.isNull()) {
            return false;
        }
        if (stored == null) {
            return true;
        }
        try {
            return !Json.MAPPER.readTree(stored).equals(sent);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The continue's body with the stored system, tools and messages, and without {@code thread}. */
    private static byte[] expandedBody(Conversation c, ObjectNode raw) {
        try {
            ObjectNode out = Json.MAPPER.createObjectNode();
            for (Map.Entry<String, JsonNode> f : raw.properties()) {
                if (!f.getKey().equals("thread") && !f.getKey().equals("messages")) {
                    out.set(f.getKey(), f.getValue());
                }
            }
            if (c.system() != null && !out.has("system")) {
                out.set("system", Json.MAPPER.readTree(c.system()));
            }
            if (c.tools() != null && !out.has("tools")) {
                out.set("tools", Json.MAPPER.readTree(c.tools()));
            }
            ArrayNode all = out.putArray("messages");
            for (byte[] segment : c.segments()) {
                all.addAll((ArrayNode) Json.MAPPER.readTree(segment));
            }
            all.addAll((ArrayNode) raw.get("messages"));
            return Json.MAPPER.writeValueAsBytes(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytesOf(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        try {
            return Json.MAPPER.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
