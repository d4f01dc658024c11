package dev.tolk.core.translate.models;

import dev.tolk.core.translate.ModelResolver;
import java.util.List;
import java.util.function.Supplier;

/**
 * Client model name → upstream model, shared by the gateway and the in-process SDK adapter. Zero-config: a name the
 * upstream serves goes through; otherwise the first matching glob route; otherwise the configured default model;
 * otherwise the upstream's only or first served model (or the name itself when the served list is unknown).
 */
public final class ModelRouter implements ModelResolver {
    private final Supplier<List<String>> served;
    private final List<ModelRoute> routes;
    private final String defaultModel;

    /** {@code served} is asked on every call; it should be cheap (a cached list). */
    public ModelRouter(Supplier<List<String>> served, List<ModelRoute> routes, String defaultModel) {
        this.served = served;
        this.routes = List.copyOf(routes);
        this.defaultModel = defaultModel;
    }

    @Override
    public String upstreamModel(String clientModel) {
        List<String> names = served.get();
        if (names.contains(clientModel)) {
            return clientModel;
        }
        for (ModelRoute r : routes) {
            if (r.matches(clientModel)) {
                return r.upstreamModel();
            }
        }
        if (defaultModel != null) {
            return defaultModel;
        }
        return names.isEmpty() ? clientModel : names.get(0);
    }
}
