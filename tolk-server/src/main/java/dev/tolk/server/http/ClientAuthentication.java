package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.ErrorType;
import dev.tolk.core.keys.ClientKey;
import dev.tolk.core.keys.KeyLimits;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The gateway's own client keys ({@link ApiKeys}) in front of the API routes ({@code /v1/…}): a request without an
 * accepted key is answered 401 {@code authentication_error} here, without its body being read, and goes no further.
 * The operational routes ({@code /health}, {@code /ready}, {@code /metrics}) stay open. Installed only when keys are
 * configured (without keys every request passes); the credential is never passed on. The matched key becomes the
 * exchange's {@link ClientKey} (static keys are named {@code api-key-N} by their place in the configuration).
 */
public final class ClientAuthentication extends Handler.Wrapper {
    private final ApiKeys keys;
    /** The static keys by position, named {@code api-key-1}, {@code api-key-2}… in the ledger and the access log. */
    private final List<ClientKey> names;

    public ClientAuthentication(Handler next, List<String> keys) {
        super(next);
        this.keys = new ApiKeys(keys);
        this.names = java.util.stream.IntStream.range(0, keys.size())
                .mapToObj(i -> new ClientKey("api-key-" + (i + 1), KeyLimits.NONE)).toList();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (keys.enabled() && Request.getPathInContext(request).startsWith("/v1/")) {
            int k = keys.match(request.getHeaders().get("x-api-key"),
                    request.getHeaders().get(HttpHeader.AUTHORIZATION));
            if (k < 0) {
                Responses.errorAndComplete(Exchange.of(request),
                        AnthropicError.of(ErrorType.AUTHENTICATION, "invalid x-api-key"));
                return true;
            }
            Exchange.of(request).clientKey = names.get(k);
        }
        return super.handle(request, response, callback);
    }
}
