package dev.tolk.server.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The admin key and the dashboard's login sessions. A browser presents the admin key once, to the login form, and gets
 * an opaque random token for an HttpOnly cookie ({@link #COOKIE}): the key itself never goes into a URL or a cookie.
 * Tokens live in this gateway's memory for {@link #LIFETIME} (a restart logs everyone out).
 */
public final class AdminSessions {
    public static final String COOKIE = "tolk_admin";
    public static final Duration LIFETIME = Duration.ofHours(12);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] keyDigest;
    private final LongSupplier nanoClock;
    private final Map<String, Long> expiries = new ConcurrentHashMap<>();

    /** {@code adminKey} null: no admin key is configured. */
    public AdminSessions(String adminKey, LongSupplier nanoClock) {
        this.keyDigest = adminKey == null ? null : sha256(adminKey);
        this.nanoClock = nanoClock;
    }

    public boolean keyConfigured() {
        return keyDigest != null;
    }

    /** Whether {@code presented} is the admin key (constant time). */
    public boolean isAdminKey(String presented) {
        return keyDigest != null && presented != null && MessageDigest.isEqual(keyDigest, sha256(presented));
    }

    /** A new session token for a browser that presented the admin key, or null when {@code presented} is not it. */
    public String login(String presented) {
        if (!isAdminKey(presented)) {
            return null;
        }
        long now = nanoClock.getAsLong();
        expiries.values().removeIf(e -> e - now < 0);
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        expiries.put(token, now + LIFETIME.toNanos());
        return token;
    }

    public boolean valid(String token) {
        if (token == null) {
            return false;
        }
        Long expiry = expiries.get(token);
        return expiry != null && expiry - nanoClock.getAsLong() > 0;
    }

    public void logout(String token) {
        if (token != null) {
            expiries.remove(token);
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
