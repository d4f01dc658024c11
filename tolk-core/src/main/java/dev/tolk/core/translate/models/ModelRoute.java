package dev.tolk.core.translate.models;

import java.util.regex.Pattern;

/** A model-mapping rule: client model names matching the glob ({@code *}, {@code ?}) go to {@code upstreamModel}. */
public record ModelRoute(String glob, String upstreamModel) {

    public boolean matches(String clientModel) {
        return toRegex(glob).matcher(clientModel).matches();
    }

    public static Pattern toRegex(String glob) {
        StringBuilder sb = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> sb.append(".*");
                case '?' -> sb.append('.');
                default -> sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(sb.toString(), Pattern.CASE_INSENSITIVE);
    }
}
