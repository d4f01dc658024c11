package dev.tolk.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Start to ready: fresh gateway processes, each timed from spawn to its ready line and to the end of the first
 * answered streaming request; also their resident memory right after that first request.
 */
final class StartupBench {
    private StartupBench() {}

    static ObjectNode run(Rig rig, Endpoint tolkTemplate, int runs) throws IOException {
        List<Double> ready = new ArrayList<>();
        List<Double> firstAnswer = new ArrayList<>();
        List<Double> idleRss = new ArrayList<>();
        long failures = 0;
        String lastError = null;
        for (int i = 0; i < runs; i++) {
            int port = FreePort.pick();
            try (ManagedProcess p = rig.startExtraGateway(port, "tolk-startup-" + i + ".log")) {
                long readyNanos = p.awaitReady(Duration.ofSeconds(60));
                Endpoint e = tolkTemplate.withPort(port);
                HttpConnection.Exchange x;
                try (HttpConnection c = new HttpConnection(port, 5_000)) {
                    c.soTimeout(30_000);
                    x = c.exchange(e, e.requestBytes());
                }
                long answered = System.nanoTime() - p.startNanos();
                if (!x.ok()) {
                    failures++;
                    lastError = "status " + x.status() + " " + x.errorBody();
                    continue;
                }
                ready.add(readyNanos / 1e6);
                firstAnswer.add(answered / 1e6);
                idleRss.add(p.sample().rssMib());
            } catch (IOException e) {
                failures++;
                lastError = e.getMessage();
            }
        }
        ObjectNode out = BenchJson.MAPPER.createObjectNode();
        out.put("runs", runs);
        out.put("errors", failures);
        if (lastError != null) {
            out.put("lastError", lastError);
        }
        out.put("readyMs", Stats.median(ready));
        out.put("firstAnsweredMs", Stats.median(firstAnswer));
        out.put("rssAfterFirstRequestMib", Stats.median(idleRss));
        return out;
    }
}
