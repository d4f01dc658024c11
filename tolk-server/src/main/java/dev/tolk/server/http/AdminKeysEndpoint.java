package dev.tolk.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.ErrorType;
import dev.tolk.core.json.Json;
import dev.tolk.core.keys.KeyLimits;
import dev.tolk.server.store.GatewayStore;
import dev.tolk.server.store.KeyChange;
import dev.tolk.server.store.KeyJson;
import dev.tolk.store.StoreException;
import dev.tolk.store.keys.KeyRepository;
import dev.tolk.store.keys.StoredKey;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * {@code /admin/keys}: the store's keys as JSON, behind {@link AdminAccess}. {@code GET /admin/keys} lists them
 * ({@code {"data": [...]}}), {@code POST /admin/keys} with {@code {"name": …, limits…}} makes one and answers 201 with
 * the key and its {@code secret} (the only time it is shown), {@code GET /admin/keys/NAME} shows one, {@code PATCH}
 * changes the limits it names, {@code DELETE} revokes it. Errors are Anthropic-shaped. Runs on a virtual thread.
 */
final class AdminKeysEndpoint {
    static final String PATH = "/admin/keys";
    private static final int MAX_BODY = 64 * 1024;

    private final GatewayStore store;

    AdminKeysEndpoint(GatewayStore store) {
        this.store = store;
    }

    static boolean matches(String path) {
        return path.equals(PATH) || path.startsWith(PATH + "/");
    }

    void handle(Exchange x, String path) throws IOException {
        String method = x.request.getMethod();
        String name = path.length() > PATH.length() + 1 ? path.substring(PATH.length() + 1) : null;
        if (store == null) {
            fail(x, AnthropicError.of(ErrorType.NOT_FOUND, "this gateway runs without a store (--db none): "
                    + "it has no keys to manage"));
            return;
        }
        KeyRepository keys = store.repository();
        if (keys == null) {
            fail(x, new AnthropicError(503, ErrorType.API, "the store " + store.description()
                    + " is not reachable; try again", OptionalLong.of(5)));
            return;
        }
        try {
            if (name == null) {
                switch (method) {
                    case "GET", "HEAD" -> list(x, keys);
                    case "POST" -> create(x, keys);
                    default -> notAllowed(x, method, "GET, POST");
                }
            } else {
                switch (method) {
                    case "GET", "HEAD" -> answer(x, 200, keys.find(name), name);
                    case "PATCH" -> update(x, keys, name);
                    case "DELETE" -> answer(x, 200, keys.revoke(name, System.currentTimeMillis()), name);
                    default -> notAllowed(x, method, "GET, PATCH, DELETE");
                }
            }
        } catch (IllegalArgumentException e) {
            fail(x, AnthropicError.of(ErrorType.INVALID_REQUEST, e.getMessage()));
        } catch (KeyRepository.KeyExists | KeyRepository.KeyRevoked e) {
            fail(x, new AnthropicError(409, ErrorType.INVALID_REQUEST, e.getMessage(), OptionalLong.empty()));
        } catch (StoreException e) {
            fail(x, new AnthropicError(503, ErrorType.API, e.getMessage(), OptionalLong.of(5)));
        }
    }

    private static void list(Exchange x, KeyRepository keys) throws IOException {
        ObjectNode o = Json.MAPPER.createObjectNode();
        ArrayNode data = o.putArray("data");
        keys.list().forEach(k -> data.add(KeyJson.of(k)));
        send(x, 200, o);
    }

    private void create(Exchange x, KeyRepository keys) throws IOException {
        JsonNode body = body(x);
        JsonNode name = body == null ? null : body.get("name");
        if (name == null || !name.isTextual()) {
            throw new IllegalArgumentException("name: the key's name is required (a string)");
        }
        KeyLimits limits = KeyJson.change(body, Set.of("name")).applyTo(KeyLimits.NONE);
        KeyRepository.Created created = keys.create(name.asText(), limits, System.currentTimeMillis());
        store.keys().refresh(); // usable on this replica at once, on the others within the refresh period
        ObjectNode o = KeyJson.of(created.key());
        o.put("secret", created.secret());
        send(x, 201, o);
    }

    private void update(Exchange x, KeyRepository keys, String name) throws IOException {
        KeyChange change = KeyJson.change(body(x), Set.of());
        Optional<StoredKey> old = keys.find(name);
        if (old.isEmpty()) {
            answer(x, 200, old, name);
            return;
        }
        Optional<StoredKey> updated = keys.update(name, change.applyTo(old.get().limits()),
                System.currentTimeMillis());
        store.keys().refresh();
        answer(x, 200, updated, name);
    }

    private void answer(Exchange x, int status, Optional<StoredKey> key, String name) throws IOException {
        if (key.isEmpty()) {
            fail(x, AnthropicError.of(ErrorType.NOT_FOUND, "no key named " + AccessLog.loggable(name)));
            return;
        }
        if ("DELETE".equals(x.request.getMethod())) {
            store.keys().refresh();
        }
        send(x, status, KeyJson.of(key.get()));
    }

    private static JsonNode body(Exchange x) throws IOException {
        byte[] bytes;
        try (InputStream in = Request.asInputStream(x.request)) {
            bytes = in.readNBytes(MAX_BODY + 1);
        }
        if (bytes.length > MAX_BODY) {
            throw new IllegalArgumentException("the body is larger than " + MAX_BODY + " bytes");
        }
        try {
            return Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getOriginalMessage());
        }
    }

    private static void send(Exchange x, int status, JsonNode body) throws IOException {
        x.status = status;
        Responses.json(x.response, status, Json.MAPPER.writeValueAsBytes(body), x.requestId);
    }

    private static void notAllowed(Exchange x, String method, String allowed) throws IOException {
        x.response.getHeaders().put(HttpHeader.ALLOW, allowed);
        fail(x, new AnthropicError(405, ErrorType.INVALID_REQUEST, "method " + method + " not allowed; use " + allowed,
                OptionalLong.empty()));
    }

    private static void fail(Exchange x, AnthropicError e) throws IOException {
        x.status = e.status();
        Responses.error(x.response, e, x.requestId);
    }
}
