package dev.tolk.core.dispatch;

import java.util.Arrays;

/**
 * The upstreams a request may go to, in the order it tries them: the first is the routing policy's choice, the
 * others are where it fails over to (the conversation's next-ranked healthy upstreams). Indexes into the fleet.
 */
public final class Route {
    /** The route of a one-upstream fleet: no ranking to compute. */
    public static final Route SINGLE = new Route(new int[] {0}, 0);

    private final int[] order;
    private final long conversation;

    Route(int[] order, long conversation) {
        this.order = order;
        this.conversation = conversation;
    }

    public static Route of(int... order) {
        return order.length == 1 && order[0] == 0 ? SINGLE : new Route(order.clone(), 0);
    }

    /** The conversation key it was ranked by (0 when the policy uses none). */
    long conversation() {
        return conversation;
    }

    public int size() {
        return order.length;
    }

    /** The upstream tried at {@code hop} (0 first). */
    public int at(int hop) {
        return order[hop];
    }

    @Override
    public String toString() {
        return Arrays.toString(order);
    }
}
