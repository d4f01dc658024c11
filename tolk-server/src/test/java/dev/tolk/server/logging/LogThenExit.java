package dev.tolk.server.logging;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs through the gateway's Logback configuration, also from a shutdown hook (like the gateway's drain), then exits. */
final class LogThenExit {
    public static void main(String[] args) {
        Logger log = LoggerFactory.getLogger(LogThenExit.class);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Thread.sleep(50); // the appender's own hook has flushed by now
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.info("draining");
        }));
        log.info("line 1");
        log.info("line 2");
        System.exit(0);
    }
}
