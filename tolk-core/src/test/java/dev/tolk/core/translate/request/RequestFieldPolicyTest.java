package dev.tolk.core.translate.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.support.Fixtures;
import dev.tolk.core.translate.ModelResolver;
import dev.tolk.core.translate.TranslationOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every request field has one disposition; rejected fields are 400s naming them; unknown names are returned. */
class RequestFieldPolicyTest {
    private static final RequestTranslator T =
            new RequestTranslator(TranslationOptions.defaults(), ModelResolver.fixed("m"));

    /** Top-level fields of MessageCreateParamsBase in @anthropic-ai/sdk 1.17.0, stable and beta. */
    static final List<String> SDK_FIELDS = List.of("max_tokens", "messages", "model", "cache_control", "container",
            "diagnostics", "inference_geo", "metadata", "output_config", "service_tier", "speed", "stop_sequences",
            "stream", "system", "thinking", "tool_choice", "tools", "user_profile_id", "workspace_id",
            "billing_policy", "compaction", "context_management", "fallback_credit_token", "fallbacks",
            "mcp_servers", "output_format", "thread", "betas");

    private static byte[] body(String extra) {
        return ("{'model':'claude-opus-5-5','max_tokens':10,'messages':[{'role':'user','content':'hi'}]"
                + (extra.isEmpty() ? "" : "," + extra) + "}").replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyFieldOfTheSdksCreateParamsHasADisposition() throws Exception {
        for (String f : SDK_FIELDS) {
            assertThat(RequestFieldPolicy.of(f)).as(f).isNotNull();
        }
        assertThat(RequestFieldPolicy.of("temperature").disposition()).isEqualTo(RequestFieldPolicy.Disposition.MAPPED);
        assertThat(RequestFieldPolicy.of("safeguards").disposition()).isEqualTo(RequestFieldPolicy.Disposition.DROPPED);
        assertThat(RequestFieldPolicy.of("thread").how()).isEqualTo("thread store, see docs/threads.md");
    }

    @Test
    void everyFieldClaudeCodeSendsIsKnown() throws Exception {
        Set<String> seen = new HashSet<>();
        for (Fixtures.Recorded r : Fixtures.messages()) {
            seen.addAll(T.translate(r.body()).unknownFields());
        }
        assertThat(seen).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "'mcp_servers':[{'type':'url','url':'https://mcp.example/sse','name':'x'}]",
            "'container':'container_011'",
            "'container':{'id':'c1'}",
            "'compaction':{}",
            "'context_management':{'edits':[{'type':'clear_tool_uses_20250919'}]}",
            "'context_management':{'edits':[{'type':'clear_thinking_20251015','keep':'all'},{'type':'compact_20260112'}]}",
            "'context_management':'on'"})
    void aServerSideFeatureIsA400NamingTheField(String field) {
        String name = field.substring(1, field.indexOf('\'', 1));
        assertThatThrownBy(() -> T.translate(body(field))).isInstanceOf(AnthropicException.class)
                .satisfies(e -> {
                    AnthropicException a = (AnthropicException) e;
                    assertThat(a.error().status()).isEqualTo(400);
                    assertThat(a.error().type()).isEqualTo(dev.tolk.core.anthropic.ErrorType.INVALID_REQUEST);
                })
                .hasMessageStartingWith(name + ": not supported by Tolk");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "'mcp_servers':[]",
            "'mcp_servers':null",
            "'container':null",
            "'compaction':null",
            "'context_management':{'edits':[{'type':'clear_thinking_20251015','keep':'all'}]}",
            "'context_management':{'edits':[]}",
            "'cache_control':{'type':'ephemeral'}",
            "'service_tier':'auto','speed':'fast','inference_geo':'us','diagnostics':{'previous_message_id':'msg_1'}",
            "'fallbacks':'default','fallback_credit_token':'t','billing_policy':{'bill_to':'self'}"})
    void aFieldThatAsksForNothingTolkCannotDoIsAccepted(String field) throws Exception {
        TranslatedRequest t = T.translate(body(field));
        assertThat(t.unknownFields()).isEmpty();
    }

    @Test
    void unknownFieldsAreAcceptedAndReturnedInBodyOrder() throws Exception {
        TranslatedRequest t = T.translate(body("'zeta_feature':1,'temperature':0.5,'alpha_feature':{'x':1}"));
        assertThat(t.unknownFields()).containsExactly("zeta_feature", "alpha_feature");
        assertThat(t.withMaxTokens(5).unknownFields()).containsExactly("zeta_feature", "alpha_feature");
        assertThat(T.translate(body("")).unknownFields()).isEmpty();
    }

    @Test
    void countTokensCountsWhatWasSentAndRejectsNothing() throws Exception {
        TranslatedTokenize k = T.translateCountTokens(("{'model':'m','messages':[{'role':'user','content':'hi'}],"
                + "'mcp_servers':[{'type':'url','url':'u','name':'n'}],'compaction':{}}").replace('\'', '"')
                .getBytes(StandardCharsets.UTF_8));
        assertThat(k.body()).isNotEmpty();
    }

    @Test
    void claudeCodesBetasAreKnownAndUnknownOnesAreNamed() throws Exception {
        String claudeCode = "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,"
                + "per-turn-control-2026-07-01,mid-conversation-tool-changes-2026-07-01,thinking-token-count-2026-05-13,"
                + "advanced-tool-use-2025-11-20,effort-2025-11-24,thinking-display-updates-2026-08-18";
        assertThat(BetaPolicy.unknown(claudeCode)).isEmpty();
        assertThat(BetaPolicy.unknown(null)).isEmpty();
        assertThat(BetaPolicy.unknown(" future-a-2099-01-01 , claude-code-20250219,,future-b"))
                .containsExactly("future-a-2099-01-01", "future-b");
        assertThat(BetaPolicy.of("message-threads-2026-08-12").handling()).isEqualTo(BetaPolicy.Handling.SERVED);
    }

    @Test
    void everyBetaClaudeCodeSentIsKnown() throws Exception {
        Set<String> unknown = new HashSet<>();
        try (var files = Files.list(Fixtures.dir())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    var beta = dev.tolk.core.json.Json.MAPPER.readTree(line).path("headers").path("anthropic-beta");
                    if (beta.isTextual()) {
                        unknown.addAll(BetaPolicy.unknown(beta.asText()));
                    }
                }
            }
        }
        assertThat(unknown).as("only the fixture's made-up beta").containsExactly("my-beta-2099-01-01");
    }

    @Test
    void theDocListsEveryFieldAndEveryBeta() throws Exception {
        String doc = Files.readString(Path.of("../docs/request-fields.md"));
        for (RequestFieldPolicy p : RequestFieldPolicy.values()) {
            assertThat(doc).as(p.field()).contains("| `" + p.field() + "` | " + p.disposition().name().toLowerCase());
        }
        for (BetaPolicy.Beta b : BetaPolicy.known()) {
            assertThat(doc).as(b.name()).contains("`" + b.name() + "`");
        }
    }
}
