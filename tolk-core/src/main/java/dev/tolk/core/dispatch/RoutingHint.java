package dev.tolk.core.dispatch;

import dev.tolk.core.threads.ThreadTurn;

/**
 * What the transport knows about a request's conversation beyond its body: Claude Code's
 * {@code x-claude-code-session-id} header, an explicit conversation key (a message thread's id), and the upstream
 * the conversation is pinned to (a thread's {@code continue} goes where the turn before it went). Any may be null.
 */
public record RoutingHint(String sessionHeader, String conversationKey, String pinnedUpstream) {
    public static final RoutingHint NONE = new RoutingHint(null, null, null);

    public static RoutingHint session(String sessionHeader) {
        return sessionHeader == null ? NONE : new RoutingHint(sessionHeader, null, null);
    }

    /**
     * The hint of a request with its message-thread turn (null without {@code thread}). A continue is keyed by its
     * thread, not by the session header or its content, so all continues of a thread rank the upstreams alike, and is
     * pinned to the upstream that answered the turn before it; a {@code create} is routed like any request.
     */
    public static RoutingHint of(String sessionHeader, ThreadTurn thread) {
        if (thread == null || thread.threadKey() == null) {
            return session(sessionHeader);
        }
        return new RoutingHint(sessionHeader, thread.threadKey(), thread.pinnedUpstream());
    }
}
