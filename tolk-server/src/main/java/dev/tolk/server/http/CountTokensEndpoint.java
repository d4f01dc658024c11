package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.translate.error.ErrorMapping;
import dev.tolk.core.translate.models.TokenizeMapping;
import dev.tolk.core.translate.request.RequestTranslator;
import dev.tolk.core.translate.request.TranslatedTokenize;
import dev.tolk.server.upstream.UpstreamClient;
import java.io.IOException;
import java.time.Duration;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpMethod;

/**
 * {@code POST /v1/messages/count_tokens}: exact, through vLLM's {@code POST /tokenize} with the same conversion as a
 * real request (chat template, tools, generation prompt included). When the upstream has no {@code /tokenize}
 * (404/405) the answer is an estimate — one token per 4 bytes of the converted prompt — and the response carries
 * {@code tolk-token-count: estimate} ({@code exact} otherwise).
 */
final class CountTokensEndpoint {
    static final String HEADER = "tolk-token-count";

    private final RequestTranslator translator;
    private final UpstreamClient upstream;

    CountTokensEndpoint(RequestTranslator translator, UpstreamClient upstream) {
        this.translator = translator;
        this.upstream = upstream;
    }

    void handle(Exchange x, byte[] body) throws IOException, InterruptedException {
        TranslatedTokenize t;
        try {
            t = translator.translateCountTokens(body);
        } catch (AnthropicException e) {
            x.status = e.error().status();
            Responses.error(x.response, e.error(), x.requestId);
            return;
        }
        x.clientModel = t.clientModel();
        x.upstreamModel = t.upstreamModel();
        ContentResponse r;
        try {
            r = upstream.call(HttpMethod.POST, "/tokenize", t.body(), Duration.ofSeconds(60));
        } catch (IOException e) {
            x.status = 529;
            Responses.error(x.response, ErrorMapping.unreachable(e.getMessage()), x.requestId);
            return;
        }
        long count;
        String kind;
        if (r.getStatus() == 200) {
            count = TokenizeMapping.parseCount(r.getContent());
            kind = "exact";
        } else if (r.getStatus() == 404 || r.getStatus() == 405) {
            count = Math.max(1, t.body().length / 4);
            kind = "estimate";
        } else {
            var err = ErrorMapping.fromUpstream(r.getStatus(), r.getContent(), null);
            x.status = err.status();
            Responses.error(x.response, err, x.requestId);
            return;
        }
        x.inputTokens = count;
        x.status = 200;
        x.response.getHeaders().put(HEADER, kind);
        Responses.json(x.response, 200, TokenizeMapping.countTokensResponse(count), x.requestId);
    }
}
