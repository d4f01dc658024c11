package dev.tolk.core.dispatch;

import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.anthropic.request.MessagesRequest;
import dev.tolk.core.anthropic.request.MessagesRequestParser;
import dev.tolk.core.threads.ThreadStore;
import dev.tolk.core.threads.ThreadTurn;
import dev.tolk.core.translate.request.RequestTranslator;
import dev.tolk.core.translate.request.TranslatedRequest;
import dev.tolk.core.translate.request.TranslatedTokenize;

/**
 * A request body to what the policy sends first, for the gateway and the SDK adapter alike: parsed, a message
 * thread turn begun (a continue expanded into the whole conversation, docs/threads.md), translated. A request
 * without {@code thread} pays one field lookup for the option.
 *
 * <p>The transport routes the request with {@link Intake#hint} (a continue goes where the turn before it was
 * answered), says which upstream answered ({@link ThreadTurn#answeredBy}, {@link DispatchPolicy#upstreamName}), stores
 * the turn's reply ({@link ThreadTurn#recordMessage} before sending a non-streaming answer, {@link ThreadTurn#recorder}
 * as the stream's tap) and calls {@link ThreadTurn#abandon} when the request ends, whatever way it ends.
 */
public final class MessagesIntake {
    private final RequestTranslator translator;
    private final ThreadStore threads;

    public MessagesIntake(RequestTranslator translator, ThreadStore threads) {
        this.translator = translator;
        this.threads = threads;
    }

    /** A translated {@code /v1/messages} request and its thread turn (null without {@code thread}). */
    public record Intake(TranslatedRequest translated, ThreadTurn thread) {
        /** What routing needs: {@code sessionHeader} (may be null), and for a continue its thread and upstream. */
        public RoutingHint hint(String sessionHeader) {
            return RoutingHint.of(sessionHeader, thread);
        }
    }

    public Intake messages(byte[] body) throws AnthropicException {
        MessagesRequest request = MessagesRequestParser.parseMessages(body);
        ThreadTurn turn = threads.begin(request);
        try {
            return new Intake(translator.translate(turn == null ? request : turn.request()), turn);
        } catch (AnthropicException | RuntimeException e) {
            if (turn != null) {
                turn.abandon();
            }
            throw e;
        }
    }

    /** A {@code count_tokens} body; with {@code thread} the whole conversation is counted and nothing is stored. */
    public TranslatedTokenize countTokens(byte[] body) throws AnthropicException {
        return translator.translateCountTokens(threads.expandForCount(MessagesRequestParser.parseCountTokens(body)));
    }

    public ThreadStore threads() {
        return threads;
    }
}
