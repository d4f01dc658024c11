package dev.tolk.core.anthropic;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Anthropic-style opaque ids ({@code req_…}, {@code msg_…}, base62) for the shells — the gateway and the SDK adapter.
 * The translators never call it: they take ids as arguments, so translation stays deterministic.
 *
 * <p>Ids identify; they are not secrets (they are logged and returned to the client, and nothing is authorized by
 * one), so they come from {@link ThreadLocalRandom}: 143 random bits an id, no lock, no system call. The default
 * {@code SecureRandom} (NativePRNG) took a lock shared by all threads and read {@code /dev/urandom} for nearly every
 * id, twice per request.
 */
public final class AnthropicIds {
    private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    private AnthropicIds() {}

    public static String requestId() {
        return "req_" + random(24);
    }

    public static String messageId() {
        return "msg_" + random(24);
    }

    private static String random(int n) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] c = new char[n];
        for (int i = 0; i < n; i++) {
            c[i] = ALPHABET[r.nextInt(ALPHABET.length)];
        }
        return new String(c);
    }
}
