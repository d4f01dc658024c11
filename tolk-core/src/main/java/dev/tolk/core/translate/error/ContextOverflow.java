package dev.tolk.core.translate.error;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognizes vLLM's "prompt + max_tokens exceed max_model_len" 400 in every wording it has used (protocol.md
 * §B.8) and extracts the prompt token count P and the window L.
 *
 * <p>Detection: {@code param} ∈ {input_tokens, input_text, max_tokens, max_completion_tokens} or the message
 * matches {@code maximum context length | context length is only | maximum input length}. Extraction tries each
 * era's phrasing for P ("your request has P input tokens", "P in the messages", "prompt contains (at least) P
 * input tokens", "You passed P input tokens", "(parameter=input_tokens, value=P)", "requested P tokens in the
 * messages") and "maximum context length is L" / "context length is only L".
 */
public record ContextOverflow(OptionalLong promptTokens, OptionalLong maxModelLen, OptionalLong requestedOutput) {

    private static final Pattern DETECT = Pattern.compile(
            "maximum context length|context length is only|maximum input length", Pattern.CASE_INSENSITIVE);
    private static final Pattern LIMIT = Pattern.compile(
            "(?:maximum context length is|context length is only)\\s+(\\d+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern[] PROMPT = {
            Pattern.compile("parameter=input_tokens, value=(\\d+)"),
            Pattern.compile("request has (\\d+) input tokens"),
            Pattern.compile("\\((\\d+) in the messages"),
            Pattern.compile("prompt contains (?:at least )?(\\d+) input tokens"),
            Pattern.compile("You passed (\\d+) input tokens"),
            Pattern.compile("requested (\\d+) tokens in the messages"),
    };
    private static final Pattern[] OUTPUT = {
            Pattern.compile("parameter=max_tokens, value=(\\d+)"),
            Pattern.compile("(\\d+) in the completion"),
            Pattern.compile("requested (\\d+) output tokens"),
            Pattern.compile("is too large: (\\d+)"),
    };

    /** The overflow facts if this upstream 400 is a context overflow, else null. */
    public static ContextOverflow detect(int status, String message, String param) {
        if (status != 400 || message == null) {
            return null;
        }
        boolean byParam = param != null && switch (param) {
            case "input_tokens", "input_text", "max_tokens", "max_completion_tokens" -> true;
            default -> false;
        };
        if (!byParam && !DETECT.matcher(message).find()) {
            return null;
        }
        if (byParam && !DETECT.matcher(message).find() && !message.contains("token")) {
            return null;
        }
        return new ContextOverflow(first(PROMPT, message), find(LIMIT, message), first(OUTPUT, message));
    }

    /** True when the prompt alone fills the window, i.e. retrying with fewer output tokens cannot help. */
    public boolean promptAloneTooLong() {
        return promptTokens.isPresent() && maxModelLen.isPresent() && promptTokens.getAsLong() >= maxModelLen.getAsLong();
    }

    private static OptionalLong first(Pattern[] patterns, String message) {
        for (Pattern p : patterns) {
            OptionalLong v = find(p, message);
            if (v.isPresent()) {
                return v;
            }
        }
        return OptionalLong.empty();
    }

    private static OptionalLong find(Pattern p, String message) {
        Matcher m = p.matcher(message);
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }
}
