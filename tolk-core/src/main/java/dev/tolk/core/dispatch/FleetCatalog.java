package dev.tolk.core.dispatch;

import dev.tolk.core.translate.models.ModelInfo;
import dev.tolk.core.translate.models.ModelRoute;
import dev.tolk.core.translate.models.UpstreamModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The models of a fleet: each upstream's own {@link ModelCatalog} (its {@code /v1/models}), optionally restricted to
 * the models configured for it. A model is served by the upstreams whose list names it ({@link #serves}); its window
 * is the smallest any of them reports, so a clamped request fits wherever it goes. With one upstream every call goes
 * straight to its catalog.
 */
public final class FleetCatalog implements ContextWindows, Fleet.Serving {
    private final List<ModelCatalog> catalogs;
    private final List<Set<String>> allowed; // per upstream: the configured models, or null for all it serves

    public FleetCatalog(List<ModelCatalog> catalogs, List<Set<String>> allowed) {
        if (catalogs.isEmpty() || catalogs.size() != allowed.size()) {
            throw new IllegalArgumentException("one catalog and one model restriction per upstream");
        }
        this.catalogs = List.copyOf(catalogs);
        this.allowed = new ArrayList<>(allowed); // may hold nulls
    }

    public static FleetCatalog single(ModelCatalog catalog) {
        List<Set<String>> none = new ArrayList<>();
        none.add(null);
        return new FleetCatalog(List.of(catalog), none);
    }

    public ModelCatalog catalog(int upstream) {
        return catalogs.get(upstream);
    }

    /**
     * Whether any upstream's list is known and no first list is still being fetched: then no lookup waits. While the
     * first lists come in (a gateway's first moments, or an upstream's first list after it comes back), a request that
     * routed at once would see only the upstreams whose list happened to come first and leave its conversation's.
     */
    public boolean loaded() {
        boolean any = false;
        for (ModelCatalog c : catalogs) {
            if (c.firstFetchUnderWay()) {
                return false;
            }
            any |= c.loaded();
        }
        return any;
    }

    /**
     * While no upstream's list is known, fetches every upstream's (at the same time) and waits for them; failures are
     * left to the requests. Once one is known only the first lists still under way are waited for (fetched with it,
     * or by the health monitor for an upstream that comes back); a failed one is not fetched again here.
     */
    public void awaitLoaded() {
        if (catalogs.size() == 1) {
            catalogs.get(0).awaitLoaded();
            return;
        }
        if (loaded()) {
            return;
        }
        boolean any = false;
        for (ModelCatalog c : catalogs) {
            any |= c.loaded();
        }
        if (!any) {
            for (ModelCatalog c : catalogs) {
                c.startLoading();
            }
        }
        for (ModelCatalog c : catalogs) {
            if (!any || c.firstFetchUnderWay()) {
                c.awaitLoaded();
            }
        }
    }

    /** The served model names over the fleet, for the model router (the first upstream's first). */
    public List<String> servedNames() {
        if (catalogs.size() == 1 && allowed.get(0) == null) {
            return catalogs.get(0).servedNames();
        }
        if (!loaded()) {
            awaitLoaded();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < catalogs.size(); i++) {
            if (!catalogs.get(i).loaded()) {
                continue; // unreachable so far: the health monitor fetches its list when it comes back
            }
            for (String name : catalogs.get(i).servedNames()) {
                if (permitted(i, name) && !out.contains(name)) {
                    out.add(name);
                }
            }
        }
        return out;
    }

    @Override
    public boolean serves(int upstream, String upstreamModel) {
        if (!permitted(upstream, upstreamModel)) {
            return false;
        }
        for (UpstreamModel m : catalogs.get(upstream).cached()) {
            if (m.id().equals(upstreamModel)) {
                return true;
            }
        }
        return false;
    }

    private boolean permitted(int upstream, String model) {
        Set<String> only = allowed.get(upstream);
        return only == null || only.contains(model);
    }

    /** The smallest window among the upstreams that serve the model (any that reports one when none is known to). */
    @Override
    public OptionalInt windowOf(String upstreamModel) {
        if (catalogs.size() == 1) {
            return catalogs.get(0).windowOf(upstreamModel);
        }
        int min = Integer.MAX_VALUE;
        for (int i = 0; i < catalogs.size(); i++) {
            if (permitted(i, upstreamModel)) {
                OptionalInt w = catalogs.get(i).windowOf(upstreamModel);
                if (w.isPresent()) {
                    min = Math.min(min, w.getAsInt());
                }
            }
        }
        return min == Integer.MAX_VALUE ? OptionalInt.empty() : OptionalInt.of(min);
    }

    /**
     * The served models over the fleet; waits only while no upstream's list is known, then throws the first
     * upstream's failure.
     */
    public List<UpstreamModel> models() throws IOException, InterruptedException {
        if (catalogs.size() == 1 && allowed.get(0) == null) {
            return catalogs.get(0).models();
        }
        if (!loaded()) {
            awaitLoaded();
        }
        Map<String, UpstreamModel> out = new LinkedHashMap<>();
        IOException first = null;
        for (int i = 0; i < catalogs.size(); i++) {
            if (!catalogs.get(i).loaded()) {
                continue;
            }
            try {
                for (UpstreamModel m : catalogs.get(i).models()) {
                    if (permitted(i, m.id())) {
                        out.putIfAbsent(m.id(), m);
                    }
                }
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (out.isEmpty() && first != null) {
            throw first;
        }
        if (out.isEmpty() && !loaded()) {
            throw new IOException("no upstream answered GET /v1/models");
        }
        return List.copyOf(out.values());
    }

    /** Anthropic's model list over the fleet, as {@link ModelCatalog#modelInfos} for one upstream. */
    public List<ModelInfo> modelInfos(List<ModelRoute> aliases) throws IOException, InterruptedException {
        if (catalogs.size() == 1 && allowed.get(0) == null) {
            return catalogs.get(0).modelInfos(aliases);
        }
        return ModelCatalog.modelInfos(models(), this, aliases);
    }
}
