package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.ErrorType;
import dev.tolk.core.keys.ClientKey;
import dev.tolk.core.keys.KeyLimits;
import dev.tolk.store.keys.KeyDirectory;
import java.util.HexFormat;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The gateway's client keys in front of the API routes ({@code /v1/…}): the static {@code api-keys} ({@link ApiKeys},
 * named {@code api-key-N} by their place in the configuration) and the store's keys ({@link KeyDirectory}, in memory,
 * by the SHA-256 of their secret). A request without an accepted key is answered 401 {@code authentication_error}
 * here, without its body being read, and goes no further. The operational routes ({@code /health}, {@code /ready},
 * {@code /metrics}) stay open. The matched key becomes the exchange's {@link ClientKey}; the credential is never passed
 * on.
 *
 * <p>A key is required when static keys are configured, when the store holds any valid key, or always when {@code
 * required} (a store on a non-loopback address: nobody gets in before the first key exists). Otherwise — a gateway
 * without keys at a developer's desk — every request passes as {@link ClientKey#ANONYMOUS}.
 */
public final class ClientAuthentication extends Handler.Wrapper {
    private final ApiKeys keys;
    /** The static keys by position, named {@code api-key-1}, {@code api-key-2}… in the ledger and the access log. */
    private final List<ClientKey> names;
    private final KeyDirectory store;
    /** More keys (with their limits) given to the gateway programmatically ({@code GatewayExtensions}), or null. */
    private final dev.tolk.core.keys.KeySource source;
    private final boolean required;

    public ClientAuthentication(Handler next, List<String> keys) {
        this(next, keys, null, null, false);
    }

    public ClientAuthentication(Handler next, List<String> keys, KeyDirectory store, boolean required) {
        this(next, keys, store, null, required);
    }

    /**
     * @param store the store's keys, or null without a store
     * @param required a key is needed even while neither static nor store keys exist
     */
    public ClientAuthentication(Handler next, List<String> keys, KeyDirectory store,
                                dev.tolk.core.keys.KeySource source, boolean required) {
        super(next);
        this.source = source;
        this.keys = new ApiKeys(keys);
        this.names = java.util.stream.IntStream.range(0, keys.size())
                .mapToObj(i -> new ClientKey("api-key-" + (i + 1), KeyLimits.NONE)).toList();
        this.store = store;
        this.required = required;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (Request.getPathInContext(request).startsWith("/v1/")
                && (required || keys.enabled() || source != null || (store != null && store.hasKeys()))) {
            ClientKey key = match(request);
            if (key == null) {
                Responses.errorAndComplete(Exchange.of(request),
                        AnthropicError.of(ErrorType.AUTHENTICATION, "invalid x-api-key"));
                return true;
            }
            Exchange.of(request).clientKey = key;
        }
        return super.handle(request, response, callback);
    }

    private ClientKey match(Request request) {
        String presented = ApiKeys.presented(request.getHeaders().get("x-api-key"),
                request.getHeaders().get(HttpHeader.AUTHORIZATION));
        if (presented == null) {
            return null;
        }
        byte[] digest = ApiKeys.sha256(presented);
        int k = keys.match(digest);
        if (k >= 0) {
            return names.get(k);
        }
        ClientKey fromStore = store == null ? null : store.byDigest(HexFormat.of().formatHex(digest));
        return fromStore != null || source == null ? fromStore : source.find(presented);
    }
}
