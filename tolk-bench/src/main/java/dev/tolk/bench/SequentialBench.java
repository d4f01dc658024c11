package dev.tolk.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One request at a time over a kept-alive connection per side, direct and through the gateway alternating
 * request by request (the order flips every round), so drift on a shared machine hits both sides alike.
 */
final class SequentialBench {
    private SequentialBench() {}

    /** Per-side samples in milliseconds. */
    private static final class Side {
        final List<Double> firstByte = new ArrayList<>();
        final List<Double> firstText = new ArrayList<>();
        final List<Double> total = new ArrayList<>();
        long errors;
        String lastError;

        void add(HttpConnection.Exchange x) {
            if (!x.ok()) {
                errors++;
                lastError = "status " + x.status() + (x.complete() ? "" : " incomplete") + " "
                        + (x.errorBody() == null ? "" : x.errorBody());
                return;
            }
            firstByte.add(x.firstByteNanos() / 1e6);
            firstText.add(x.firstTextNanos() / 1e6);
            total.add(x.totalNanos() / 1e6);
        }

        ObjectNode toJson() {
            ObjectNode n = BenchJson.MAPPER.createObjectNode();
            n.put("samples", total.size());
            n.put("errors", errors);
            if (lastError != null) {
                n.put("lastError", lastError.length() > 500 ? lastError.substring(0, 500) : lastError);
            }
            n.put("firstByteMs", Stats.median(firstByte));
            n.put("firstTextMs", Stats.median(firstText));
            n.put("totalMs", Stats.median(total));
            n.put("totalP99Ms", Stats.percentile(total.stream().mapToDouble(Double::doubleValue).toArray(), 99));
            return n;
        }
    }

    static ObjectNode run(Endpoint direct, Endpoint tolk, int warmup, int rounds, ManagedProcess gateway)
            throws IOException {
        Side d = new Side();
        Side t = new Side();
        try (Connections c = new Connections(direct, tolk)) {
            for (int i = 0; i < warmup; i++) {
                c.once(direct);
                c.once(tolk);
            }
            long cpuBefore = gateway.sample().cpuMillis();
            for (int i = 0; i < rounds; i++) {
                if (i % 2 == 0) {
                    d.add(c.once(direct));
                    t.add(c.once(tolk));
                } else {
                    t.add(c.once(tolk));
                    d.add(c.once(direct));
                }
            }
            long cpu = gateway.sample().cpuMillis() - cpuBefore;
            ObjectNode out = BenchJson.MAPPER.createObjectNode();
            out.put("requestBytesDirect", direct.body().length);
            out.put("requestBytesTolk", tolk.body().length);
            out.set("direct", d.toJson());
            out.set("tolk", t.toJson());
            out.put("gatewayCpuMsPerRequest", rounds == 0 ? Double.NaN : (double) cpu / rounds);
            return out;
        }
    }

    /** One kept-alive connection per side, reopened after a failure or a `Connection: close`. */
    private static final class Connections implements AutoCloseable {
        private final Endpoint direct;
        private final byte[] directRequest;
        private final byte[] tolkRequest;
        private HttpConnection directConn;
        private HttpConnection tolkConn;

        Connections(Endpoint direct, Endpoint tolk) {
            this.direct = direct;
            this.directRequest = direct.requestBytes();
            this.tolkRequest = tolk.requestBytes();
        }

        HttpConnection.Exchange once(Endpoint e) {
            boolean isDirect = e == direct;
            HttpConnection conn = isDirect ? directConn : tolkConn;
            try {
                if (conn == null || !conn.isOpen()) {
                    conn = new HttpConnection(e.port(), 5_000);
                    conn.soTimeout(30_000);
                    if (isDirect) {
                        directConn = conn;
                    } else {
                        tolkConn = conn;
                    }
                }
                return conn.exchange(e, isDirect ? directRequest : tolkRequest);
            } catch (IOException | RuntimeException ex) {
                if (conn != null) {
                    conn.close();
                }
                return new HttpConnection.Exchange(-1, -1, -1, -1, 0, false, ex.toString());
            }
        }

        @Override
        public void close() {
            if (directConn != null) {
                directConn.close();
            }
            if (tolkConn != null) {
                tolkConn.close();
            }
        }
    }
}
