package dev.tolk.core.dispatch;

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
}
