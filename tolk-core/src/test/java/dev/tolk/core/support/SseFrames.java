package dev.tolk.core.support;

import java.util.ArrayList;
import java.util.List;

/** Splits Anthropic SSE text into (event, data) frames for assertions. */
public final class SseFrames {
    private SseFrames() {}

    public record Frame(String event, String data) {}

    public static List<Frame> parse(String sse) {
        List<Frame> out = new ArrayList<>();
        for (String block : sse.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            String event = null;
            StringBuilder data = new StringBuilder();
            for (String line : block.split("\n")) {
                if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data.append(line.substring(6));
                }
            }
            out.add(new Frame(event, data.toString()));
        }
        return out;
    }
}
