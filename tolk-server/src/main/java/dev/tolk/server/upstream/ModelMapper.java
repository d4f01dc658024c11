package dev.tolk.server.upstream;

import dev.tolk.core.translate.ModelResolver;
import dev.tolk.core.translate.models.UpstreamModel;
import dev.tolk.server.config.ModelRoute;
import java.util.List;

/**
 * Client model name → upstream model (the gateway's {@link ModelResolver}). Zero-config: a name the upstream
 * serves goes through; otherwise the first matching configured glob route; otherwise the default model
 * ({@code --model} / {@code ANTHROPIC_MODEL}), else the upstream's only or first served model.
 */
public final class ModelMapper implements ModelResolver {
    private final UpstreamCatalog catalog;
    private final List<ModelRoute> routes;
    private final String defaultModel;

    public ModelMapper(UpstreamCatalog catalog, List<ModelRoute> routes, String defaultModel) {
        this.catalog = catalog;
        this.routes = routes;
        this.defaultModel = defaultModel;
    }

    @Override
    public String upstreamModel(String clientModel) {
        List<UpstreamModel> served = served();
        for (UpstreamModel m : served) {
            if (m.id().equals(clientModel)) {
                return clientModel;
            }
        }
        for (ModelRoute r : routes) {
            if (r.matches(clientModel)) {
                return r.upstreamModel();
            }
        }
        if (defaultModel != null) {
            return defaultModel;
        }
        return served.isEmpty() ? clientModel : served.get(0).id();
    }

    private List<UpstreamModel> served() {
        try {
            return catalog.models();
        } catch (Exception e) {
            return catalog.cached();
        }
    }
}
