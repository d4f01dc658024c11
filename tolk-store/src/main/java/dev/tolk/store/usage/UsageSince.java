package dev.tolk.store.usage;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code --since} and {@code ?since=}: {@code 7d}, {@code 24h}, {@code 30m}, a date (UTC midnight) or an instant. */
public final class UsageSince {
    public static final String DEFAULT = "7d";
    private static final Pattern AGO = Pattern.compile("(\\d{1,6})\\s*([mhdw])");

    private UsageSince() {}

    public static Instant parse(String s, Instant now) {
        String v = s.strip();
        Matcher m = AGO.matcher(v);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
            return now.minus(d).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        }
        try {
            return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException notADate) {
            try {
                return Instant.parse(v);
            } catch (DateTimeParseException notAnInstant) {
                throw new IllegalArgumentException("cannot read since '" + s
                        + "': use an age (30m, 24h, 7d, 2w), a date (2026-12-01, UTC) or an instant (2026-12-01T08:00:00Z)");
            }
        }
    }
}
