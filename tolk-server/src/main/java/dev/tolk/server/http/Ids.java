package dev.tolk.server.http;

import java.security.SecureRandom;

/** Anthropic-style ids: {@code req_…}, {@code msg_…} (base62, opaque to clients). */
final class Ids {
    private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {}

    static String requestId() {
        return "req_" + random(24);
    }

    static String messageId() {
        return "msg_" + random(24);
    }

    private static String random(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        char[] c = new char[n];
        for (int i = 0; i < n; i++) {
            c[i] = ALPHABET[(bytes[i] & 0xff) % ALPHABET.length];
        }
        return new String(c);
    }
}
