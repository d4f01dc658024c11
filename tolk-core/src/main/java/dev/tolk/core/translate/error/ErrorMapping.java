package dev.tolk.core.translate.error;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.ErrorType;
import dev.tolk.core.openai.response.ChatChunk;
import dev.tolk.core.openai.response.ChatChunkParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Upstream (vLLM) errors → Anthropic errors (protocol.md §C.7). Reads both vLLM body shapes
 * ({@code {"error":{message,type,param,code}}} and the flat {@code {"object":"error",…}}) and the API-key
 * middleware's {@code {"error":"Unauthorized"}}.
 *
 * <table>
 *   <caption>Status mapping</caption>
 *   <tr><th>vLLM</th><th>Anthropic</th></tr>
 *   <tr><td>400 context overflow</td><td>400 invalid_request_error "prompt is too long: P tokens &gt; L maximum"</td></tr>
 *   <tr><td>400/422 other</td><td>400 invalid_request_error, vLLM's message</td></tr>
 *   <tr><td>401/403</td><td>500 api_error: Tolk's upstream key is wrong — the operator's mistake, not the client's,
 *       and a 401 would make Claude Code ask its user to log in</td></tr>
 *   <tr><td>404</td><td>404 not_found_error</td></tr>
 *   <tr><td>413</td><td>413 request_too_large</td></tr>
 *   <tr><td>429</td><td>429 rate_limit_error, retry-after kept</td></tr>
 *   <tr><td>500, 501, other 5xx</td><td>500 api_error</td></tr>
 *   <tr><td>502, 503, unreachable, timeouts</td><td>529 overloaded_error (SDKs retry it)</td></tr>
 *   <tr><td>504</td><td>504 timeout_error</td></tr>
 * </table>
 */
public final class ErrorMapping {
    private ErrorMapping() {}

    /** An upstream HTTP error response. {@code retryAfter} is the upstream's header value or null. */
    public static AnthropicError fromUpstream(int status, byte[] body, String retryAfter) {
        ChatChunk.UpstreamError e = parse(body);
        String message = e != null && e.message() != null ? e.message() : bodyText(body, status);
        String param = e == null ? null : e.param();
        AnthropicError mapped = switch (status) {
            case 400, 422 -> {
                ContextOverflow o = ContextOverflow.detect(400, message, param);
                if (o != null && o.promptTokens().isPresent() && o.maxModelLen().isPresent()) {
                    yield AnthropicError.promptTooLong(o.promptTokens().getAsLong(), o.maxModelLen().getAsLong());
                }
                yield AnthropicError.invalidRequest(message);
            }
            case 401, 403 -> AnthropicError.api("the upstream model server rejected Tolk's credentials (HTTP "
                    + status + "); check VLLM_API_KEY / the upstream api-key setting");
            case 404 -> AnthropicError.of(ErrorType.NOT_FOUND, message);
            case 413 -> AnthropicError.of(ErrorType.REQUEST_TOO_LARGE, message);
            case 429 -> AnthropicError.of(ErrorType.RATE_LIMIT, message);
            case 502, 503 -> AnthropicError.overloaded("upstream overloaded or unavailable (HTTP " + status + "): "
                    + message);
            case 504 -> AnthropicError.of(ErrorType.TIMEOUT, message);
            default -> status >= 400 && status < 500
                    ? AnthropicError.invalidRequest(message)
                    : AnthropicError.api("upstream error (HTTP " + status + "): " + message);
        };
        long seconds = retryAfterSeconds(retryAfter);
        if (seconds >= 0) {
            mapped = mapped.withRetryAfter(seconds);
        } else if (mapped.type() == ErrorType.OVERLOADED) {
            mapped = mapped.withRetryAfter(1);
        }
        return mapped;
    }

    /** The upstream could not be reached (refused, reset before headers, timed out): 529 so SDKs retry. */
    public static AnthropicError unreachable(String detail) {
        return AnthropicError.overloaded("upstream unreachable: " + detail).withRetryAfter(1);
    }

    /** A mid-stream {@code data: {"error":…}} chunk, mapped by its {@code code}/{@code type}. */
    public static AnthropicError fromStreamError(ChatChunk.UpstreamError e) {
        String message = e.message() == null ? "upstream error" : e.message();
        int code = e.code();
        if (code == 0 && e.type() != null) {
            code = switch (e.type()) {
                case "BadRequestError", "Bad Request" -> 400;
                case "NotFoundError" -> 404;
                case "ServiceUnavailableError" -> 503;
                default -> 500;
            };
        }
        return switch (code) {
            case 400 -> {
                ContextOverflow o = ContextOverflow.detect(400, message, e.param());
                if (o != null && o.promptTokens().isPresent() && o.maxModelLen().isPresent()) {
                    yield AnthropicError.promptTooLong(o.promptTokens().getAsLong(), o.maxModelLen().getAsLong());
                }
                yield AnthropicError.invalidRequest(message);
            }
            case 404 -> AnthropicError.of(ErrorType.NOT_FOUND, message);
            case 429 -> AnthropicError.of(ErrorType.RATE_LIMIT, message);
            case 502, 503 -> AnthropicError.overloaded(message);
            case 504 -> AnthropicError.of(ErrorType.TIMEOUT, message);
            default -> AnthropicError.api(message);
        };
    }

    /** The overflow facts of an upstream 400, or null when it is not a context overflow. */
    public static ContextOverflow contextOverflow(int status, byte[] body) {
        ChatChunk.UpstreamError e = parse(body);
        return e == null ? null : ContextOverflow.detect(status, e.message(), e.param());
    }

    /** vLLM's 400 for {@code tool_choice:"auto"} on a server started without a tool-call parser (protocol.md §B.1). */
    public static boolean isAutoToolChoiceUnsupported(int status, byte[] body) {
        if (status != 400) {
            return false;
        }
        ChatChunk.UpstreamError e = parse(body);
        String m = e != null && e.message() != null ? e.message() : bodyText(body, status);
        String lower = m.toLowerCase(Locale.ROOT);
        return lower.contains("enable-auto-tool-choice") || lower.contains("tool-call-parser")
                || lower.contains("auto\" tool choice");
    }

    static ChatChunk.UpstreamError parse(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return ChatChunkParser.parse(body, 0, body.length).error();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String bodyText(byte[] body, int status) {
        if (body == null || body.length == 0) {
            return "HTTP " + status + " from upstream";
        }
        String s = new String(body, 0, Math.min(body.length, 500), StandardCharsets.UTF_8).strip();
        return s.isEmpty() ? "HTTP " + status + " from upstream" : s;
    }

    static long retryAfterSeconds(String header) {
        if (header == null || header.isBlank()) {
            return -1;
        }
        try {
            return Math.max(0, (long) Math.ceil(Double.parseDouble(header.strip())));
        } catch (NumberFormatException e) {
            return -1; // an HTTP date: rare from vLLM; the SDK's own backoff applies
        }
    }
}
