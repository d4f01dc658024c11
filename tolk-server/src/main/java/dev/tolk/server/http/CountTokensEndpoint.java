package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.dispatch.CountTokensDecision;
import dev.tolk.core.translate.error.ErrorMapping;
import dev.tolk.core.dispatch.MessagesIntake;
import dev.tolk.core.translate.request.TranslatedTokenize;
import dev.tolk.server.upstream.Upstreams;
import java.io.IOException;
import java.time.Duration;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpMethod;

/**
 * {@code POST /v1/messages/count_tokens}: the request converted as a real one would be (chat template, tools,
 * generation prompt included) and sent to vLLM's {@code POST /tokenize}; what its answer means is
 * {@link CountTokensDecision}'s rule (exact count, estimate without {@code /tokenize}, or the mapped error). A client
 * key may count only for the models it may use (403 otherwise); counting is not limited or counted against its rates
 * and budget: it runs no generation (Claude Code's {@code /context} makes 25 calls at once).
 */
final class CountTokensEndpoint {
    private final MessagesIntake intake;
    private final Upstreams upstreams;

    CountTokensEndpoint(MessagesIntake intake, Upstreams upstreams) {
        this.intake = intake;
        this.upstreams = upstreams;
    }

    void handle(Exchange x, byte[] body) throws IOException, InterruptedException {
        TranslatedTokenize t;
        try {
            t = intake.countTokens(body); // with thread: the whole conversation, nothing stored
        } catch (AnthropicException e) {
            x.status = e.error().status();
            Responses.error(x, e.error());
            return;
        }
        x.clientModel = t.clientModel();
        x.upstreamModel = t.upstreamModel();
        dev.tolk.core.keys.Admission.Refusal refused = dev.tolk.core.keys.Admission.checkModel(x.clientKey,
                t.clientModel());
        if (refused != null) {
            x.status = refused.error().status();
            Responses.error(x.response, refused.error(), x.requestId);
            return;
        }
        ContentResponse r;
        try {
            r = upstreams.client(upstreams.anyServing(t.upstreamModel())).call(HttpMethod.POST, "/tokenize", t.body(),
                    Duration.ofSeconds(60));
        } catch (IOException e) {
            x.status = 529;
            Responses.error(x, ErrorMapping.unreachable(e.getMessage()));
            return;
        }
        switch (CountTokensDecision.afterTokenize(t, r.getStatus(), r.getContent())) {
            case CountTokensDecision.Count c -> {
                x.inputTokens = c.inputTokens();
                x.status = 200;
                x.response.getHeaders().put(CountTokensDecision.HEADER, c.headerValue());
                Responses.json(x.response, 200, c.body(), x.requestId);
            }
            case CountTokensDecision.Fail f -> {
                x.status = f.error().status();
                Responses.error(x, f.error());
            }
        }
    }
}
