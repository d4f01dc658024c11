package dev.tolk.core.threads;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.tolk.core.anthropic.request.MessagesRequest;
import dev.tolk.core.anthropic.response.AnthropicEventSink;
import dev.tolk.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request that carries {@code thread}, from its expansion to the end of its answer. Translate {@link #request()}
 * (the whole conversation, without {@code thread}); then a non-streaming answer is stored with
 * {@link #recordMessage} before it is sent, and a stream that fed {@link #recorder()} is stored by the recorder the
 * moment the translator emits {@code message_stop} (before those bytes are written), so a client that continues at
 * once never races the store. Whatever ends the request calls {@link #abandon}: it does nothing after a reply was
 * stored, and otherwise (an error, an error event, a stream cut off) unlocks the response this turn continued.
 *
 * <p>For a fleet, a continue names its thread ({@link #threadKey}) and the upstream that answered the turn before it
 * ({@link #pinnedUpstream}); the shell says which upstream answers this one ({@link #answeredBy}) once it knows.
 */
public final class ThreadTurn {
    private final ThreadStore store;
    private final String previousId;
    private final ThreadStore.Conversation base;
    private final JsonNode newMessages;
    private final MessagesRequest request;
    private final AtomicBoolean done = new AtomicBoolean();
    private ReplyRecorder recorder;
    private volatile boolean recorded;
    private volatile String answeredBy;

    ThreadTurn(ThreadStore store, String previousId, ThreadStore.Conversation base, JsonNode newMessages,
               MessagesRequest request) {
        this.store = store;
        this.previousId = previousId;
        this.base = base;
        this.newMessages = newMessages;
        this.request = request;
    }

    /** The whole conversation as one ordinary request (stored system, tools and messages + this turn's). */
    public MessagesRequest request() {
        return request;
    }

    /** {@link #request()} as a JSON body (for an upstream that takes the Anthropic request as it is). */
    public byte[] requestBody() {
        try {
            return Json.MAPPER.writeValueAsBytes(request.raw());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Null for {@code create}. */
    public String previousMessageId() {
        return previousId;
    }

    /**
     * The thread's identity, the same for all its continues: the id of its first reply (a fleet's conversation key).
     * Null for a {@code create}.
     */
    public String threadKey() {
        return base.thread();
    }

    /**
     * The name of the upstream that answered the reply this turn continues (its prefix cache holds the conversation),
     * or null: a {@code create}, or a shell that did not say ({@link #answeredBy}).
     */
    public String pinnedUpstream() {
        return base.upstream();
    }

    /**
     * The attempt that answers this turn went to the upstream named {@code upstream} (after any failover): the reply
     * is stored with it, and the next continue is sent there first. Call it before the reply is recorded.
     */
    public void answeredBy(String upstream) {
        this.answeredBy = upstream;
    }

    /** A sink for the stream's events (pass it to {@code UpstreamStream} as its tap); it stores the reply. */
    public AnthropicEventSink recorder() {
        if (recorder == null) {
            recorder = new ReplyRecorder(this::recordStream);
        }
        return recorder;
    }

    /** A non-streaming answer was sent: {@code messageJson} is the Anthropic Message; it is stored under its id. */
    public void recordMessage(byte[] messageJson) {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        try {
            JsonNode m = Json.MAPPER.readTree(messageJson);
            store.commit(this, m.get("id").textValue(), m.get("content"), answeredBy);
            recorded = true;
        } catch (IOException | RuntimeException e) {
            store.release(this);
            if (e instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw (RuntimeException) e;
        }
    }

    /** The recorder saw {@code message_stop} with no error before it. */
    private void recordStream(ReplyRecorder r) {
        if (r.id() != null && done.compareAndSet(false, true)) {
            store.commit(this, r.id(), r.content(), answeredBy);
            recorded = true;
        }
    }

    /** Whether the reply was stored. */
    public boolean recorded() {
        return recorded;
    }

    /** Nothing is stored; the response this turn continued can be continued again. */
    public void abandon() {
        if (done.compareAndSet(false, true)) {
            store.release(this);
        }
    }

    ThreadStore.Conversation base() {
        return base;
    }

    /** This turn's messages followed by the reply as an assistant message: what the thread appends. */
    ArrayNode segment(JsonNode replyContent) {
        ArrayNode seg = Json.MAPPER.createArrayNode();
        seg.addAll((ArrayNode) newMessages);
        if (replyContent != null && replyContent.isArray() && !replyContent.isEmpty()) {
            seg.addObject().put("role", "assistant").set("content", replyContent);
        }
        return seg;
    }
}
