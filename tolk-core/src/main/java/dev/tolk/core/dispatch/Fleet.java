package dev.tolk.core.dispatch;

import dev.tolk.core.openai.request.ChatCompletionRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The upstreams behind one Tolk and the rules for choosing among them. Pure decisions over state the transports
 * report (requests begun and ended, failures, probes, scrapes); the clock is passed in.
 *
 * <p>{@link #route}: the upstreams that serve the request's model (all of them when none is known to), the
 * healthy ones among them (all of them when none is), ordered by the {@link RoutingPolicy}. With
 * {@code bounded-affinity} that is the conversation's rendezvous ranking ({@link Rendezvous}) with, in front, the
 * upstream this Tolk sent the conversation to last ({@link RecentConversations}: its prefix cache holds the whole
 * conversation), or for a conversation it does not remember the one with the fewest active conversations (the first in
 * the ranking among equals: nobody holds this one's cache, so it goes where it evens the spread). Then the first
 * upstream of that order whose load is within the bound is moved to the front: load + 1 ≤ max({@link #MIN_CAPACITY},
 * ⌈bound × (total load + 1) / n⌉) (consistent hashing with bounded loads, Mirrokni, Thorup and Zadimoghaddam 2018), so
 * a hot server spills the conversation to its next-ranked server instead of queueing it, and the conversation stays
 * there (its cache is there now). The rest of the order is where the request fails over to.
 *
 * <p>A request pinned to an upstream ({@link RoutingHint#pinnedUpstream}: a message thread's continue, pinned where
 * the turn before it was answered) goes there first whatever the policy and its load, as long as it is up and serves
 * the model: that upstream's prefix cache holds the whole conversation, which every other one would prefill anew.
 * The bound does not spill it, so one hot upstream keeps its threads (new conversations still spill); a pinned
 * upstream that is ejected or does not serve the model is not a candidate, and the policy's order stands.
 */
public final class Fleet {
    /** One upstream: its configured name (the rendezvous identity), weight, health and load. */
    public record Member(String name, double weight, long nameHash, UpstreamHealth health, UpstreamLoad load) {
        public Member(String name, double weight) {
            this(name, weight, 0);
        }

        /** An upstream that runs at most {@code capacity} requests at once (0: not known). */
        public Member(String name, double weight, int capacity) {
            this(name, weight, Rendezvous.nameHash(name), new UpstreamHealth(), new UpstreamLoad(capacity));
        }
    }

    /** Whether an upstream serves a model, as far as is known without I/O (false when unknown). */
    @FunctionalInterface
    public interface Serving {
        boolean serves(int upstream, String upstreamModel);
    }

    public static final double DEFAULT_LOAD_BOUND = 1.25;
    /**
     * Below this many requests an upstream is never too hot to take one more: near an idle fleet the mean is close to
     * 0, and one request in flight would otherwise already move a conversation away from its cache (a vLLM server
     * runs many sequences at once without queueing).
     */
    public static final int MIN_CAPACITY = 4;

    private final List<Member> members;
    private final Serving serving;
    private final RoutingPolicy policy;
    private final double loadBound;
    private final int maxFailovers;
    private final RetryBudget budget;
    private final LongSupplier clock;
    private final boolean equalWeights;
    private final AtomicInteger turn = new AtomicInteger();
    private final RecentConversations recent;
    private final boolean bounded;

    public Fleet(List<Member> members, Serving serving, RoutingPolicy policy, double loadBound, int maxFailovers,
                 RetryBudget budget, LongSupplier nanoClock) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("a fleet needs at least one upstream");
        }
        this.members = List.copyOf(members);
        this.serving = serving;
        this.policy = policy;
        this.loadBound = loadBound;
        this.maxFailovers = maxFailovers;
        this.budget = budget;
        this.clock = nanoClock;
        this.equalWeights = members.stream().allMatch(m -> m.weight() == members.get(0).weight());
        this.recent = policy == RoutingPolicy.BOUNDED_AFFINITY && members.size() > 1
                ? new RecentConversations(members.size()) : null;
        this.bounded = members.stream().anyMatch(m -> m.load().capacity() > 0);
    }

    /** One upstream: every route is {@link Route#SINGLE}. */
    public static Fleet single(String name) {
        return new Fleet(List.of(new Member(name, 1)), (i, m) -> true, RoutingPolicy.BOUNDED_AFFINITY,
                DEFAULT_LOAD_BOUND, 0, RetryBudget.defaults(), System::nanoTime);
    }

    public int size() {
        return members.size();
    }

    public Member member(int i) {
        return members.get(i);
    }

    public List<Member> members() {
        return members;
    }

    public RoutingPolicy policy() {
        return policy;
    }

    public long now() {
        return clock.getAsLong();
    }

    /** The index of the upstream named {@code name}, or −1. */
    public int indexOf(String name) {
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** The order in which a request for {@code upstreamModel} tries the upstreams (see the class comment). */
    public Route route(String upstreamModel, RoutingHint hint, ChatCompletionRequest chat) {
        int n = members.size();
        if (n == 1) {
            return Route.SINGLE;
        }
        int[] idx = new int[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (serving.serves(i, upstreamModel)) {
                idx[k++] = i;
            }
        }
        if (k == 0) { // nobody is known to serve it: let the upstreams answer (a 404 names the model)
            for (int i = 0; i < n; i++) {
                idx[i] = i;
            }
            k = n;
        }
        int healthy = 0;
        for (int j = 0; j < k; j++) {
            if (members.get(idx[j]).health().up()) {
                idx[healthy++] = idx[j];
            }
        }
        if (healthy > 0) {
            k = healthy;
        } // else everyone is ejected: try them anyway rather than fail without asking
        if (k == 1) {
            return new Route(new int[] {idx[0]}, 0);
        }
        int[] order = java.util.Arrays.copyOf(idx, k);
        long key = 0;
        switch (policy) {
            case ROUND_ROBIN -> rotate(order, Math.floorMod(turn.getAndIncrement(), k));
            case LEAST_LOADED -> byLoad(order);
            case AFFINITY -> rank(order, key(hint, chat));
            case BOUNDED_AFFINITY -> {
                key = key(hint, chat);
                rank(order, key);
                long now = clock.getAsLong();
                place(order, key, now);
                bound(order, now);
                if (bounded) {
                    roomFirst(order);
                }
                pin(order, hint);
                recent.sent(key, order[0], now);
                return new Route(order, key);
            }
        }
        if (bounded) {
            roomFirst(order);
        }
        pin(order, hint);
        return new Route(order, key);
    }

    /**
     * Moves to the front of the ranked {@code order} the upstream that holds the conversation's cache (where it was
     * sent last), or for a conversation not remembered the one with the fewest active conversations.
     */
    private void place(int[] order, long key, long now) {
        int home = recent.placeOf(key, now);
        int fewest = 0;
        int fewestCount = Integer.MAX_VALUE;
        for (int j = 0; j < order.length; j++) {
            if (order[j] == home) {
                moveToFront(order, j);
                return;
            }
            int c = recent.active(order[j], now);
            if (c < fewestCount) {
                fewestCount = c;
                fewest = j;
            }
        }
        moveToFront(order, fewest);
    }

    /** The request on {@code route} went to {@code upstream} after all (a failover): its conversation is there now. */
    void movedTo(Route route, int upstream) {
        if (recent != null) {
            recent.sent(route.conversation(), upstream, clock.getAsLong());
        }
    }

    private static long key(RoutingHint hint, ChatCompletionRequest chat) {
        if (hint.conversationKey() != null) {
            return ConversationKey.ofText(hint.conversationKey());
        }
        return ConversationKey.of(hint.sessionHeader(), chat);
    }

    /** Sorts {@code order} into the key's rendezvous ranking. */
    void rank(int[] order, long key) {
        double[] score = new double[order.length];
        for (int j = 0; j < order.length; j++) {
            Member m = members.get(order[j]);
            // equal weights: the hash alone orders them, and −1/ln(u) is monotone in u
            score[j] = equalWeights ? ConversationKey.mix(key ^ m.nameHash()) >>> 1
                    : Rendezvous.score(key, m.nameHash(), m.weight());
        }
        Rendezvous.sortByScore(order, score, order.length);
    }

    /** Moves the first upstream within the load bound to the front (the least loaded when none is). */
    void bound(int[] order, long now) {
        double[] load = new double[order.length];
        double total = 0;
        for (int j = 0; j < order.length; j++) {
            load[j] = members.get(order[j]).load().value(now);
            total += load[j];
        }
        double capacity = Math.max(MIN_CAPACITY, Math.ceil(loadBound * (total + 1) / order.length));
        int chosen = -1;
        int least = 0;
        for (int j = 0; j < order.length; j++) {
            if (chosen < 0 && load[j] + 1 <= capacity) {
                chosen = j;
            }
            if (load[j] < load[least]) {
                least = j;
            }
        }
        moveToFront(order, chosen >= 0 ? chosen : least);
    }

    private void byLoad(int[] order) {
        long now = clock.getAsLong();
        double[] load = new double[order.length];
        for (int j = 0; j < order.length; j++) {
            load[j] = -members.get(order[j]).load().value(now); // falling −load = rising load
        }
        Rendezvous.sortByScore(order, load, order.length);
    }

    /**
     * With capacities configured, a request goes to an upstream with room when there is one: the first of the order
     * that has room moves to the front if the front one is full (the fair queue released the request because some
     * upstream had room; sent to a full one it would wait in vLLM's queue, first come first served).
     */
    private void roomFirst(int[] order) {
        long now = clock.getAsLong();
        if (members.get(order[0]).load().room(now) > 0) {
            return;
        }
        for (int j = 1; j < order.length; j++) {
            if (members.get(order[j]).load().room(now) > 0) {
                moveToFront(order, j);
                return;
            }
        }
    }

    /** Moves the pinned upstream to the front if it is a candidate (up and serving the model). */
    private void pin(int[] order, RoutingHint hint) {
        if (hint.pinnedUpstream() == null) {
            return;
        }
        for (int j = 0; j < order.length; j++) {
            if (members.get(order[j]).name().equals(hint.pinnedUpstream())) {
                moveToFront(order, j);
                return;
            }
        }
    }

    private static void moveToFront(int[] order, int j) {
        int v = order[j];
        System.arraycopy(order, 0, order, 1, j);
        order[0] = v;
    }

    private static void rotate(int[] order, int by) {
        int[] copy = order.clone();
        for (int j = 0; j < order.length; j++) {
            order[j] = copy[(j + by) % order.length];
        }
    }

    /**
     * How many more requests for {@code upstreamModel} the upstreams that would serve it (those {@link #route} picks
     * from: serving it and up) take before each is at its capacity; {@link Integer#MAX_VALUE} when any of them has no
     * capacity configured (an upstream without one is never full). The fair queue holds requests while this is 0.
     */
    public int room(String upstreamModel) {
        long now = clock.getAsLong();
        int n = members.size();
        boolean anyServes = false;
        for (int i = 0; i < n && !anyServes; i++) {
            anyServes = serving.serves(i, upstreamModel);
        }
        boolean anyUp = false;
        for (int i = 0; i < n && !anyUp; i++) {
            anyUp = (!anyServes || serving.serves(i, upstreamModel)) && members.get(i).health().up();
        }
        long room = 0;
        for (int i = 0; i < n; i++) {
            Member m = members.get(i);
            if ((!anyServes || serving.serves(i, upstreamModel)) && (!anyUp || m.health().up())) {
                int r = m.load().room(now);
                if (r == Integer.MAX_VALUE) {
                    return r;
                }
                room += r;
            }
        }
        return (int) Math.min(Integer.MAX_VALUE - 1, room);
    }

    /** Whether every upstream that would serve {@code upstreamModel} is at its capacity ({@link #room} is 0). */
    public boolean saturated(String upstreamModel) {
        return room(upstreamModel) == 0;
    }

    /** Whether any upstream has a capacity configured (only then can the fleet be saturated). */
    public boolean bounded() {
        return bounded;
    }

    /** A request was routed (it funds the retry budget). */
    void routed() {
        budget.deposit();
    }

    /** Whether {@code sent} may be sent again to the next upstream of its route. */
    boolean mayFailOver(Attempt sent) {
        if (sent.hop() + 1 >= sent.route().size() || sent.failovers() >= maxFailovers) {
            return false;
        }
        return budget.tryRetry();
    }

    /** The upstream failed a request or a probe: ejected for its back-off. */
    public void failed(int upstream) {
        members.get(upstream).health().failed(clock.getAsLong());
    }

    /** Names of the upstreams that are up, for logs and {@code /ready}. */
    public List<String> upNames() {
        List<String> out = new ArrayList<>();
        for (Member m : members) {
            if (m.health().up()) {
                out.add(m.name());
            }
        }
        return out;
    }
}
