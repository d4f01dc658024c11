package dev.tolk.server.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The gateway's own client keys, accepted as {@code x-api-key} or {@code Authorization: Bearer}. Keys are kept as
 * SHA-256 digests and compared with {@link MessageDigest#isEqual} against every configured key, so the time taken
 * reveals neither a key's content nor which key matched.
 */
final class ApiKeys {
    private final List<byte[]> digests;

    ApiKeys(List<String> keys) {
        this.digests = keys.stream().map(ApiKeys::sha256).toList();
    }

    boolean enabled() {
        return !digests.isEmpty();
    }

    /** Whether the presented credential is one of the keys. */
    boolean accepts(String xApiKey, String authorization) {
        return match(xApiKey, authorization) >= 0;
    }

    /** The position of the presented key among the configured ones (0 for the first), or -1. */
    int match(String xApiKey, String authorization) {
        String presented = presented(xApiKey, authorization);
        return presented == null ? -1 : match(sha256(presented));
    }

    /** The credential a client presents: {@code x-api-key}, else an {@code Authorization: Bearer} token, else null. */
    static String presented(String xApiKey, String authorization) {
        if (xApiKey == null && authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).strip();
        }
        return xApiKey;
    }

    /** The position of the key with this SHA-256 among the configured ones, or -1. */
    int match(byte[] d) {
        int found = -1;
        for (int i = 0; i < digests.size(); i++) {
            if (MessageDigest.isEqual(digests.get(i), d)) {
                found = i;
            }
        }
        return found;
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
