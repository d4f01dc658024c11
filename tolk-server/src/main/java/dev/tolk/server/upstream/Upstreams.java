package dev.tolk.server.upstream;

import dev.tolk.core.dispatch.Fleet;
import dev.tolk.core.dispatch.FleetCatalog;
import dev.tolk.core.dispatch.ModelCatalog;
import dev.tolk.core.dispatch.RetryBudget;
import dev.tolk.server.config.GatewayConfig;
import dev.tolk.server.config.UpstreamConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The gateway's upstreams: one {@link UpstreamClient} and one {@link ModelCatalog} per configured upstream, the
 * fleet's joined catalog and its routing state ({@link Fleet}: health, load, retry budget). Indexes are the order of
 * the configuration. With one upstream this is that upstream and nothing is ranked.
 */
public final class Upstreams implements AutoCloseable {
    private final List<UpstreamConfig> configs;
    private final List<UpstreamClient> clients = new ArrayList<>();
    private final FleetCatalog catalog;
    private final Fleet fleet;
    private final boolean anyAnthropic;

    public Upstreams(GatewayConfig config) {
        this.configs = config.upstreams();
        List<ModelCatalog> catalogs = new ArrayList<>();
        List<Set<String>> allowed = new ArrayList<>();
        List<Fleet.Member> members = new ArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Fleet> fleetRef = new java.util.concurrent.atomic.AtomicReference<>();
        for (UpstreamConfig u : configs) {
            UpstreamClient c = new UpstreamClient(u.url(), u.apiKey(), config.connectTimeout(),
                    config.upstreamTimeout());
            int index = clients.size();
            clients.add(c);
            // an upstream that cannot list its models is ejected: the monitor probes it until it comes back
            ModelCatalog.Fetch fetch = () -> c.fetchModels().whenComplete((r, failure) -> {
                if (failure != null || r.status() != 200) {
                    fleetRef.get().failed(index);
                }
            });
            catalogs.add(new ModelCatalog(fetch, config.maxModelLen(), System::nanoTime));
            allowed.add(u.models().isEmpty() ? null : new HashSet<>(u.models()));
            members.add(new Fleet.Member(u.name(), u.weight(), u.capacity()));
        }
        this.catalog = new FleetCatalog(catalogs, allowed);
        this.fleet = new Fleet(members, catalog, config.routing(), config.loadBound(), config.failoverRetries(),
                RetryBudget.defaults(), System::nanoTime);
        fleetRef.set(fleet);
        this.anyAnthropic = configs.stream().anyMatch(UpstreamConfig::anthropic);
    }

    public int size() {
        return clients.size();
    }

    public UpstreamClient client(int i) {
        return clients.get(i);
    }

    public UpstreamConfig config(int i) {
        return configs.get(i);
    }

    /** Whether upstream {@code i} speaks Anthropic's Messages API (requests pass through untranslated). */
    public boolean anthropic(int i) {
        return configs.get(i).anthropic();
    }

    /** Whether any upstream speaks Anthropic's Messages API (then the client's body is kept for it). */
    public boolean anyAnthropic() {
        return anyAnthropic;
    }

    public String name(int i) {
        return configs.get(i).name();
    }

    public FleetCatalog catalog() {
        return catalog;
    }

    public Fleet fleet() {
        return fleet;
    }

    /**
     * The upstream for a request that is not routed by conversation ({@code count_tokens}): the first healthy one
     * serving {@code upstreamModel}, else the first.
     */
    public int anyServing(String upstreamModel) {
        for (int i = 0; i < clients.size(); i++) {
            if (fleet.member(i).health().up() && catalog.serves(i, upstreamModel)) {
                return i;
            }
        }
        for (int i = 0; i < clients.size(); i++) {
            if (fleet.member(i).health().up()) {
                return i;
            }
        }
        return 0;
    }

    @Override
    public void close() {
        for (UpstreamClient c : clients) {
            c.close();
        }
    }
}
