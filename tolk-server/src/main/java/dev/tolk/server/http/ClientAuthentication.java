package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.ErrorType;
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
 * configured (without keys every request passes); the credential is never passed on.
 */
public final class ClientAuthentication extends Handler.Wrapper {
    private final ApiKeys keys;

    public ClientAuthentication(Handler next, List<String> keys) {
        super(next);
        this.keys = new ApiKeys(keys);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (keys.enabled() && Request.getPathInContext(request).startsWith("/v1/") && !keys.accepts(
                request.getHeaders().get("x-api-key"), request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
            Responses.errorAndComplete(Exchange.of(request),
                    AnthropicError.of(ErrorType.AUTHENTICATION, "invalid x-api-key"));
            return true;
        }
        return super.handle(request, response, callback);
    }
}
