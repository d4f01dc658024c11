package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.translate.error.ErrorMapping;
import dev.tolk.core.translate.models.ModelInfo;
import dev.tolk.core.translate.models.ModelsMapping;
import dev.tolk.core.translate.models.UpstreamModel;
import dev.tolk.core.translate.models.ModelRoute;
import dev.tolk.server.upstream.UpstreamCatalog;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.util.Fields;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}} in Anthropic's shape: the upstream's served models, then
 * the configured route targets' aliases (route globs without wildcards), each with {@code max_input_tokens} from
 * the model's window.
 */
final class ModelsEndpoint {
    private final UpstreamCatalog catalog;
    private final List<ModelRoute> routes;

    ModelsEndpoint(UpstreamCatalog catalog, List<ModelRoute> routes) {
        this.catalog = catalog;
        this.routes = routes;
    }

    void list(Exchange x, Fields query) throws IOException, InterruptedException {
        List<ModelInfo> all;
        try {
            all = models();
        } catch (IOException e) {
            x.status = 529;
            Responses.error(x.response, ErrorMapping.unreachable(e.getMessage()), x.requestId);
            return;
        }
        try {
            Integer limit = query.getValue("limit") == null ? null : Integer.valueOf(query.getValue("limit"));
            byte[] body = ModelsMapping.toAnthropicList(all, limit, query.getValue("after_id"), query.getValue("before_id"));
            x.status = 200;
            Responses.json(x.response, 200, body, x.requestId);
        } catch (NumberFormatException e) {
            x.status = 400;
            Responses.error(x.response, dev.tolk.core.anthropic.AnthropicError.invalidRequest(
                    "limit: Input should be a valid integer"), x.requestId);
        } catch (AnthropicException e) {
            x.status = e.error().status();
            Responses.error(x.response, e.error(), x.requestId);
        }
    }

    void get(Exchange x, String id) throws IOException, InterruptedException {
        try {
            ModelInfo m = ModelsMapping.find(models(), id);
            x.status = 200;
            Responses.json(x.response, 200, ModelsMapping.toAnthropicModel(m), x.requestId);
        } catch (AnthropicException e) {
            x.status = e.error().status();
            Responses.error(x.response, e.error(), x.requestId);
        } catch (IOException e) {
            x.status = 529;
            Responses.error(x.response, ErrorMapping.unreachable(e.getMessage()), x.requestId);
        }
    }

    private List<ModelInfo> models() throws IOException, InterruptedException {
        List<ModelInfo> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (UpstreamModel m : catalog.models()) {
            Integer window = catalog.maxModelLen(m.id()).isPresent() ? catalog.maxModelLen(m.id()).getAsInt() : null;
            out.add(new ModelInfo(m.id(), m.id() + " (via Tolk)", Instant.ofEpochSecond(m.created()), window, window));
            seen.add(m.id());
        }
        for (ModelRoute r : routes) {
            if (r.glob().contains("*") || r.glob().contains("?") || !seen.add(r.glob())) {
                continue;
            }
            var len = catalog.maxModelLen(r.upstreamModel());
            Integer window = len.isPresent() ? len.getAsInt() : null;
            out.add(new ModelInfo(r.glob(), r.glob() + " → " + r.upstreamModel() + " (via Tolk)", Instant.EPOCH,
                    window, window));
        }
        return out;
    }
}
