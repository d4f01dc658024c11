package dev.tolk.server.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tolk.core.dispatch.Fleet;
import dev.tolk.core.dispatch.UpstreamLoad;
import dev.tolk.core.json.Json;
import dev.tolk.core.translate.models.UpstreamModel;
import dev.tolk.server.http.RunningStream;
import dev.tolk.server.upstream.Upstreams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The dashboard's state as one JSON document ({@code /dashboard/state.json}, each {@code /dashboard/events} event) and
 * the sessions of {@code /admin/sessions}: built on demand from the fleet's live state (health, in flight, vLLM's
 * scraped gauges), the streams in flight, {@link DashboardNumbers} and the {@link UsageView}. Nothing here runs
 * unless someone asks.
 */
public final class DashboardSnapshot {
    /** Sessions the dashboard lists; {@code /admin/sessions} may ask for up to {@link InMemoryUsage#MAX_SESSIONS}. */
    static final int DASHBOARD_SESSIONS = 50;

    private final Upstreams upstreams;
    private final Supplier<List<RunningStream>> streams;
    private final DashboardNumbers numbers;
    private final Supplier<UsageView> usage;
    private final boolean login;
    private final LongSupplier epochMillis;
    private final long startedAtMillis;

    public DashboardSnapshot(Upstreams upstreams, Supplier<List<RunningStream>> streams, DashboardNumbers numbers,
                             Supplier<UsageView> usage, boolean login, LongSupplier epochMillis) {
        this.upstreams = upstreams;
        this.streams = streams;
        this.numbers = numbers;
        this.usage = usage;
        this.login = login;
        this.epochMillis = epochMillis;
        this.startedAtMillis = epochMillis.getAsLong();
    }

    /** The whole dashboard state. */
    public byte[] state() {
        long now = epochMillis.getAsLong();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("now", now);
        m.put("started_at", startedAtMillis);
        m.put("login", login);
        DashboardNumbers.Totals t = numbers.totals();
        RollingHour.Summary hour = numbers.all(now);
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("requests", t.requests());
        totals.put("errors", t.errors());
        totals.put("input_tokens", t.inputTokens());
        totals.put("cached_tokens", t.cachedTokens());
        totals.put("output_tokens", t.outputTokens());
        totals.put("cache_share", share(t.cachedTokens(), t.inputTokens() + t.cachedTokens()));
        totals.put("hour", hour(hour));
        m.put("totals", totals);
        m.put("upstreams", upstreams(now));
        List<RunningStream> running = streams.get();
        List<Map<String, Object>> rs = new ArrayList<>(running.size());
        for (RunningStream s : running) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("request_id", s.requestId());
            r.put("session", s.session());
            r.put("key", s.key());
            r.put("client_model", s.clientModel());
            r.put("upstream_model", s.upstreamModel());
            r.put("upstream", s.upstream());
            r.put("started_at", s.startedAtEpochMillis());
            r.put("elapsed_ms", s.elapsedMillis());
            r.put("content_started", s.contentStarted());
            r.put("output_chunks", s.outputChunks());
            rs.add(r);
        }
        m.put("streams", rs);
        UsageView u = usage.get();
        Map<String, Object> usageNode = new LinkedHashMap<>();
        usageNode.put("source", u.source());
        usageNode.put("keys", u.keys().stream().map(DashboardSnapshot::key).toList());
        usageNode.put("sessions", u.sessions(DASHBOARD_SESSIONS).stream().map(DashboardSnapshot::session).toList());
        m.put("usage", usageNode);
        List<Map<String, Object>> errors = new ArrayList<>();
        for (RecentErrors.Entry e : numbers.latestErrors()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("request_id", e.requestId());
            r.put("at", e.atEpochMillis());
            r.put("route", e.route());
            r.put("status", e.status());
            r.put("type", e.type());
            r.put("message", e.note());
            r.put("key", e.key());
            r.put("session", e.session());
            r.put("upstream", e.upstream());
            r.put("model", e.clientModel());
            errors.add(r);
        }
        m.put("errors", errors);
        return json(m);
    }

    /** {@code /admin/sessions}: the {@code limit} latest sessions. */
    public byte[] sessions(int limit) {
        UsageView u = usage.get();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", u.source());
        m.put("sessions", u.sessions(limit).stream().map(DashboardSnapshot::session).toList());
        return json(m);
    }

    private List<Map<String, Object>> upstreams(long now) {
        Fleet fleet = upstreams.fleet();
        long nanoNow = fleet.now();
        List<Map<String, Object>> out = new ArrayList<>(upstreams.size());
        for (int i = 0; i < upstreams.size(); i++) {
            Fleet.Member member = fleet.member(i);
            Map<String, Object> u = new LinkedHashMap<>();
            u.put("name", upstreams.name(i));
            u.put("url", upstreams.config(i).url().toString());
            u.put("protocol", upstreams.config(i).protocol());
            boolean up = member.health().up();
            u.put("up", up);
            if (!up) {
                u.put("failures_in_a_row", member.health().failuresInARow());
                u.put("retry_in_ms", Math.max(0, (member.health().ejectedUntil() - nanoNow) / 1_000_000));
            }
            u.put("in_flight", member.load().inFlight());
            UpstreamLoad.Scraped s = member.load().lastScrape();
            if (s != null) {
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("running", s.running());
                v.put("waiting", s.waiting());
                v.put("kv_cache_usage", s.kvCacheUsage());
                v.put("age_ms", Math.max(0, (nanoNow - s.atNanos()) / 1_000_000));
                u.put("vllm", v);
            }
            List<String> models = new ArrayList<>();
            for (UpstreamModel model : upstreams.catalog().catalog(i).cached()) {
                models.add(model.id());
            }
            u.put("models", models);
            u.put("hour", hour(numbers.upstream(upstreams.name(i), now)));
            out.add(u);
        }
        return out;
    }

    private static Map<String, Object> hour(RollingHour.Summary h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests", h.requests());
        m.put("errors", h.errors());
        m.put("prompt_tokens", h.promptTokens());
        m.put("cached_tokens", h.cachedTokens());
        m.put("cache_share", share(h.cachedTokens(), h.promptTokens()));
        m.put("ttft_p50_ms", round(h.ttftP50Millis()));
        m.put("ttft_p90_ms", round(h.ttftP90Millis()));
        List<Double> p50 = new ArrayList<>(h.ttftP50ByMinute().length);
        for (double d : h.ttftP50ByMinute()) {
            p50.add(round(d));
        }
        m.put("ttft_p50_by_minute", p50);
        m.put("requests_by_minute", h.requestsByMinute());
        return m;
    }

    static Map<String, Object> key(KeyTotals k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", k.key());
        m.put("requests", k.requests());
        m.put("errors", k.errors());
        m.put("input_tokens", k.inputTokens());
        m.put("cached_tokens", k.cachedTokens());
        m.put("output_tokens", k.outputTokens());
        m.put("cache_share", share(k.cachedTokens(), k.inputTokens() + k.cachedTokens()));
        m.put("last_seen", k.lastSeenEpochMillis());
        return m;
    }

    static Map<String, Object> session(SessionTotals s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session", s.session());
        m.put("key", s.key());
        m.put("turns", s.turns());
        m.put("errors", s.errors());
        m.put("input_tokens", s.inputTokens());
        m.put("cached_tokens", s.cachedTokens());
        m.put("output_tokens", s.outputTokens());
        m.put("cache_share", share(s.cachedTokens(), s.inputTokens() + s.cachedTokens()));
        m.put("ttft_p50_ms", s.ttftP50Millis());
        m.put("first_seen", s.firstSeenEpochMillis());
        m.put("last_seen", s.lastSeenEpochMillis());
        m.put("client_models", s.clientModels());
        m.put("upstream_models", s.upstreamModels());
        return m;
    }

    private static double share(long part, long whole) {
        return whole == 0 ? 0 : Math.round(part * 1000.0 / whole) / 1000.0;
    }

    private static double round(double d) {
        return d < 0 ? -1 : Math.round(d * 10) / 10.0;
    }

    private static byte[] json(Object o) {
        try {
            return Json.MAPPER.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
