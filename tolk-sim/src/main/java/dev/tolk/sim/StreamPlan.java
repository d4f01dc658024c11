package dev.tolk.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The frames of one streamed answer, in order, as vLLM would emit them; the handler writes them with the
 * scripted timing and faults. Content frames are counted so faults can fire "after N chunks".
 */
final class StreamPlan {
    final List<byte[]> frames = new ArrayList<>();
    /** Index into {@link #frames} after which a mid-stream fault or error fires; -1 for none. */
    int faultAfter = -1;

    static StreamPlan build(ChatEndpoint endpoint, ChatEndpoint.Plan p, ChatEndpoint.Outcome o, String reasoningField) {
        StreamPlan sp = new StreamPlan();
        ChunkEncoder enc = new ChunkEncoder(p.id(), p.created(), p.model(), reasoningField);
        Answer a = p.answer();
        enc.role();
        sp.add(enc);
        for (String piece : Answer.split(o.reasoning(), Math.max(1, a.chunks() / 2))) {
            enc.reasoning(piece);
            sp.add(enc);
        }
        for (String piece : Answer.split(o.text(), a.chunks())) {
            enc.content(piece);
            sp.add(enc);
        }
        String lastArgs = null;
        int lastIndex = 0;
        List<Answer.Call> calls = o.calls();
        for (int i = 0; i < calls.size(); i++) {
            Answer.Call c = calls.get(i);
            String id = endpoint.toolCallId();
            List<String> frags = Answer.split(c.arguments(), 3);
            boolean last = i == calls.size() - 1;
            switch (a.toolVariant()) {
                case "one_chunk" -> {
                    enc.toolCall(i, id, c.name(), c.arguments());
                    sp.add(enc);
                }
                case "id_every_delta" -> {
                    enc.toolCall(i, id, c.name(), null);
                    sp.add(enc);
                    for (String f : frags) {
                        enc.toolCall(i, id, null, f);
                        sp.add(enc);
                    }
                }
                case "args_in_finish" -> {
                    enc.toolCall(i, id, c.name(), null);
                    sp.add(enc);
                    for (int j = 0; j < frags.size(); j++) {
                        if (last && j == frags.size() - 1) {
                            lastArgs = frags.get(j);
                            lastIndex = i;
                        } else {
                            enc.toolCall(i, null, null, frags.get(j));
                            sp.add(enc);
                        }
                    }
                }
                case "duplicate_args" -> {
                    enc.toolCall(i, id, c.name(), null);
                    sp.add(enc);
                    for (String f : frags) {
                        enc.toolCall(i, null, null, f);
                        sp.add(enc);
                    }
                    if (last) {
                        lastArgs = c.arguments(); // vLLM's remainder diff re-sending what was streamed (#10395)
                        lastIndex = i;
                    }
                }
                default -> {
                    enc.toolCall(i, id, c.name(), null);
                    sp.add(enc);
                    for (String f : frags) {
                        enc.toolCall(i, null, null, f);
                        sp.add(enc);
                    }
                }
            }
        }
        JsonNode err = a.error();
        if (err != null && err.path("midStream").asBoolean(false)) {
            sp.faultAfter = Math.min(sp.frames.size() - 1, Math.max(0, err.path("afterChunks").asInt(1)));
            return sp; // the handler writes the error frame and [DONE] after faultAfter
        }
        enc.finish(o.finishReason(), o.stopReason(), lastIndex, lastArgs);
        sp.add(enc);
        if (p.includeUsage()) {
            enc.usage(p.promptTokens(), o.completionTokens(), p.cachedTokens());
            sp.add(enc);
        }
        enc.done();
        sp.add(enc);
        return sp;
    }

    private void add(ChunkEncoder enc) {
        frames.add(enc.drain());
    }

    byte[] concat() {
        int n = 0;
        for (byte[] f : frames) {
            n += f.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] f : frames) {
            System.arraycopy(f, 0, all, at, f.length);
            at += f.length;
        }
        return all;
    }
}
