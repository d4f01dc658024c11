package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.dispatch.FleetCatalog;
import dev.tolk.core.translate.error.ErrorMapping;
import dev.tolk.core.translate.models.ModelInfo;
import dev.tolk.core.translate.models.ModelsMapping;
import dev.tolk.core.translate.models.ModelRoute;
import java.io.IOException;
import java.util.List;
import org.eclipse.jetty.util.Fields;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}} in Anthropic's shape: {@link FleetCatalog#modelInfos} with the
 * configured routes as aliases, paged by {@link ModelsMapping}.
 */
final class ModelsEndpoint {
    private final FleetCatalog catalog;
    private final List<ModelRoute> routes;

    ModelsEndpoint(FleetCatalog catalog, List<ModelRoute> routes) {
        this.catalog = catalog;
        this.routes = routes;
    }

    void list(Exchange x, Fields query) throws IOException, InterruptedException {
        List<ModelInfo> all;
        try {
            all = models();
        } catch (IOException e) {
            x.status = 529;
            Responses.error(x, ErrorMapping.unreachable(e.getMessage()));
            return;
        }
        try {
            Integer limit = query.getValue("limit") == null ? null : Integer.valueOf(query.getValue("limit"));
            byte[] body = ModelsMapping.toAnthropicList(all, limit, query.getValue("after_id"), query.getValue("before_id"));
            x.status = 200;
            Responses.json(x.response, 200, body, x.requestId);
        } catch (NumberFormatException e) {
            x.status = 400;
            Responses.error(x, dev.tolk.core.anthropic.AnthropicError.invalidRequest(
                    "limit: Input should be a valid integer"));
        } catch (AnthropicException e) {
            x.status = e.error().status();
            Responses.error(x, e.error());
        }
    }

    void get(Exchange x, String id) throws IOException, InterruptedException {
        try {
            ModelInfo m = ModelsMapping.find(models(), id);
            x.status = 200;
            Responses.json(x.response, 200, ModelsMapping.toAnthropicModel(m), x.requestId);
        } catch (AnthropicException e) {
            x.status = e.error().status();
            Responses.error(x, e.error());
        } catch (IOException e) {
            x.status = 529;
            Responses.error(x, ErrorMapping.unreachable(e.getMessage()));
        }
    }

    private List<ModelInfo> models() throws IOException, InterruptedException {
        return catalog.modelInfos(routes);
    }
}
