package dev.tolk.core.anthropic;

import java.security.SecureRandom;

/**
 * Anthropic-style opaque ids ({@code req_…}, {@code msg_…}, base62) for the shells — the gateway and the SDK adapter.
 * The translators never call it: they take ids as arguments, so translation stays deterministic.
 */
public final class AnthropicIds {
    private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private AnthropicIds() {}

    public static String requestId() {
        return "req_" + random(24);
    }

    public static String messageId() {
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
