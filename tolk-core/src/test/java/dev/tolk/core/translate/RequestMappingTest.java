package dev.tolk.core.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.json.Json;
import dev.tolk.core.translate.request.RequestTranslator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** One test per request rule of protocol.md §C.1–C.2. */
class RequestMappingTest {
    private static JsonNode chat(String anthropicJson) throws Exception {
        return chat(TranslationOptions.defaults(), anthropicJson);
    }

    private static JsonNode chat(TranslationOptions o, String anthropicJson) throws Exception {
        RequestTranslator t = new RequestTranslator(o, ModelResolver.fixed("m"));
        return Json.MAPPER.readTree(t.translate(anthropicJson.replace('\'', '"').getBytes(StandardCharsets.UTF_8))
                .upstreamBody());
    }

    private static String req(String extra, String messages) {
        return "{'model':'claude-opus-5-5','max_tokens':100," + extra + (extra.isEmpty() ? "" : ",")
                + "'messages':" + messages + "}";
    }

    @Test
    void systemBlocksBecomeOneLeadingSystemMessageWithoutTheBillingHeader() throws Exception {
        JsonNode c = chat(req("'system':[{'type':'text','text':'x-anthropic-billing-header: cc_version=1; cch=ab12;'},"
                + "{'type':'text','text':'You are terse.','cache_control':{'type':'ephemeral'}},{'type':'text','text':'Be kind.'}]",
                "[{'role':'user','content':'hi'}]"));
        assertThat(c.at("/messages/0/role").asText()).isEqualTo("system");
        assertThat(c.at("/messages/0/content").asText()).isEqualTo("You are terse.\n\nBe kind.");
        assertThat(c.toString()).doesNotContain("billing").doesNotContain("cache_control");
    }

    @Test
    void toolResultsBecomeToolMessagesBeforeTheUserTextOfTheSameTurn() throws Exception {
        JsonNode c = chat(req("", "[{'role':'user','content':'go'},"
                + "{'role':'assistant','content':[{'type':'tool_use','id':'toolu_A','name':'Bash','input':{'command':'ls'}},"
                + "{'type':'tool_use','id':'toolu_B','name':'Bash','input':{}}]},"
                + "{'role':'user','content':[{'type':'text','text':'Summarize both.'},"
                + "{'type':'tool_result','tool_use_id':'toolu_A','content':'22°C'},"
                + "{'type':'tool_result','tool_use_id':'toolu_B','content':[{'type':'text','text':'rain'}],'is_error':true}]}]"));
        JsonNode m = c.get("messages");
        assertThat(m.get(1).at("/tool_calls/0/function/arguments").asText()).isEqualTo("{\"command\":\"ls\"}");
        assertThat(m.get(1).get("content").isNull()).isTrue();
        assertThat(m.get(2).get("role").asText()).isEqualTo("tool");
        assertThat(m.get(2).get("tool_call_id").asText()).isEqualTo("toolu_A");
        assertThat(m.get(2).get("content").asText()).isEqualTo("22°C");
        assertThat(m.get(3).get("content").asText()).isEqualTo("Error: rain");
        assertThat(m.get(4).get("role").asText()).isEqualTo("user");
        assertThat(m.get(4).get("content").asText()).isEqualTo("Summarize both.");
    }

    @Test
    void parallelToolResultsFollowTheOrderOfTheCallsNotOfTheResults() throws Exception {
        // Claude Code 2.1.332 answered two parallel Bash calls second-first; Hermes/Qwen templates pair by position
        JsonNode c = chat(req("", "[{'role':'user','content':'go'},"
                + "{'role':'assistant','content':[{'type':'tool_use','id':'toolu_A','name':'Bash','input':{}},"
                + "{'type':'tool_use','id':'toolu_B','name':'Bash','input':{}},"
                + "{'type':'tool_use','id':'toolu_C','name':'Bash','input':{}}]},"
                + "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_C','content':'third'},"
                + "{'type':'tool_result','tool_use_id':'toolu_A','content':'first'},"
                + "{'type':'text','text':'and?'},"
                + "{'type':'tool_result','tool_use_id':'toolu_B','content':'second'}]}]"));
        JsonNode m = c.get("messages");
        assertThat(m).hasSize(6);
        for (int i = 0; i < 3; i++) {
            assertThat(m.get(2 + i).get("role").asText()).isEqualTo("tool");
            assertThat(m.get(2 + i).get("tool_call_id").asText()).isEqualTo("toolu_" + "ABC".charAt(i));
            assertThat(m.get(2 + i).get("content").asText()).isEqualTo(new String[] {"first", "second", "third"}[i]);
        }
        assertThat(m.at("/5/content").asText()).isEqualTo("and?");
    }

    @Test
    void aMissingResultKeepsItsCallsPlaceAndImagesFollowTheCallOrder() throws Exception {
        JsonNode c = chat(req("", "[{'role':'user','content':'go'},"
                + "{'role':'assistant','content':[{'type':'tool_use','id':'t1','name':'Read','input':{}},"
                + "{'type':'tool_use','id':'t2','name':'Read','input':{}},"
                + "{'type':'tool_use','id':'t3','name':'Read','input':{}}]},"
                + "{'role':'user','content':[{'type':'tool_result','tool_use_id':'t3','content':[{'type':'image',"
                + "'source':{'type':'url','url':'https://x/3.png'}}]},"
                + "{'type':'tool_result','tool_use_id':'t1','content':[{'type':'image',"
                + "'source':{'type':'url','url':'https://x/1.png'}}]},"
                + "{'type':'tool_result','tool_use_id':'zzz','content':'stray'}]}]"));
        JsonNode m = c.get("messages");
        assertThat(m.at("/2/tool_call_id").asText()).isEqualTo("t1");
        assertThat(m.at("/3/tool_call_id").asText()).isEqualTo("t2");
        assertThat(m.at("/3/content").asText()).isEqualTo("[no result: the tool call was interrupted]");
        assertThat(m.at("/4/tool_call_id").asText()).isEqualTo("t3");
        assertThat(m.at("/5/content/0/text").asText()).isEqualTo("Tool result (zzz): stray");
        assertThat(m.at("/5/content/1/image_url/url").asText()).isEqualTo("https://x/1.png");
        assertThat(m.at("/5/content/2/image_url/url").asText()).isEqualTo("https://x/3.png");
    }

    @Test
    void aSecondResultForTheSameCallIsTextAndDuplicateIdsAreAnsweredInTurn() throws Exception {
        JsonNode c = chat(req("", "[{'role':'user','content':'go'},"
                + "{'role':'assistant','content':[{'type':'tool_use','id':'d','name':'Bash','input':{}},"
                + "{'type':'tool_use','id':'d','name':'Bash','input':{}},"
                + "{'type':'tool_use','id':'e','name':'Bash','input':{}}]},"
                + "{'role':'user','content':[{'type':'tool_result','tool_use_id':'e','content':'E'},"
                + "{'type':'tool_result','tool_use_id':'e','content':'E2'},"
                + "{'type':'tool_result','tool_use_id':'d','content':'D1'},"
                + "{'type':'tool_result','tool_use_id':'d','content':'D2'}]}]"));
        JsonNode m = c.get("messages");
        assertThat(m.at("/2/content").asText()).isEqualTo("D1");
        assertThat(m.at("/3/content").asText()).isEqualTo("D2");
        assertThat(m.at("/4/content").asText()).isEqualTo("E");
        assertThat(m.at("/5/content").asText()).isEqualTo("Tool result (e): E2");
    }

    @Test
    void imagesBecomeImageUrlPartsAndToolResultImagesMoveToTheNextUserMessage() throws Exception {
        JsonNode c = chat(req("", "[{'role':'user','content':[{'type':'text','text':'look'},"
                + "{'type':'image','source':{'type':'base64','media_type':'image/png','data':'AAAA'}},"
                + "{'type':'image','source':{'type':'url','url':'https://x/y.png'}}]},"
                + "{'role':'assistant','content':[{'type':'tool_use','id':'t1','name':'Read','input':{}}]},"
                + "{'role':'user','content':[{'type':'tool_result','tool_use_id':'t1','content':[{'type':'image',"
                + "'source':{'type':'base64','media_type':'image/jpeg','data':'BBBB'}}]}]}]"));
        JsonNode m = c.get("messages");
        assertThat(m.at("/0/content/1/image_url/url").asText()).isEqualTo("data:image/png;base64,AAAA");
        assertThat(m.at("/0/content/2/image_url/url").asText()).isEqualTo("https://x/y.png");
        assertThat(m.at("/2/role").asText()).isEqualTo("tool");
        assertThat(m.at("/3/content/0/image_url/url").asText()).isEqualTo("data:image/jpeg;base64,BBBB");
    }

    @Test
    void aPdfDocumentIsAClear400UnlessPlaceholdersAreConfigured() throws Exception {
        String body = req("", "[{'role':'user','content':[{'type':'document','source':{'type':'base64',"
                + "'media_type':'application/pdf','data':'JVBER'}}]}]");
        assertThatThrownBy(() -> chat(body)).isInstanceOf(AnthropicException.class)
                .hasMessageContaining("messages.0.content.0").hasMessageContaining("PDF");
        JsonNode c = chat(TranslationOptions.defaults().withPdf(PdfPolicy.PLACEHOLDER), body);
        assertThat(c.at("/messages/0/content").asText()).contains("document omitted");
    }

    @Test
    void aTextDocumentBecomesText() throws Exception {
        JsonNode c = chat(req("", "[{'role':'user','content':[{'type':'document','title':'notes','source':{'type':'text',"
                + "'media_type':'text/plain','data':'hello doc'}}]}]"));
        assertThat(c.at("/messages/0/content").asText()).isEqualTo("notes\n\nhello doc");
    }

    @Test
    void thinkingIsReplayedAsReasoningAndRedactedThinkingDropped() throws Exception {
        String body = req("", "[{'role':'user','content':'q'},{'role':'assistant','content':[{'type':'thinking',"
                + "'thinking':'let me think','signature':'sig'},{'type':'redacted_thinking','data':'xx'},"
                + "{'type':'text','text':'answer'}]},{'role':'user','content':'more'}]");
        JsonNode c = chat(body);
        assertThat(c.at("/messages/1/reasoning").asText()).isEqualTo("let me think");
        assertThat(c.at("/messages/1/reasoning_content").asText()).isEqualTo("let me think");
        assertThat(c.at("/messages/1/content").asText()).isEqualTo("answer");
        assertThat(c.toString()).doesNotContain("xx");
        assertThat(chat(TranslationOptions.defaults().withReplayThinking(false), body).at("/messages/1").has("reasoning"))
                .isFalse();
    }

    @Test
    void inlineSystemMessagesAreFoldedIntoUserTurnsByDefaultOrKept() throws Exception {
        String body = req("'system':'S'", "[{'role':'user','content':'hi'},{'role':'system','content':[{'type':'text',"
                + "'text':'# Environment'}],'output_config':{'effort':'medium'}},{'role':'system','content':[]}]");
        JsonNode folded = chat(body);
        assertThat(folded.get("messages")).hasSize(2);
        assertThat(folded.at("/messages/1/content").asText()).isEqualTo("hi\n\n# Environment");
        JsonNode kept = chat(TranslationOptions.defaults().withInlineSystem(InlineSystemPolicy.KEEP_AS_SYSTEM), body);
        assertThat(kept.at("/messages/2/role").asText()).isEqualTo("system");
    }

    @Test
    void anUnknownRoleIsA400NamingIt() {
        assertThatThrownBy(() -> chat(req("", "[{'role':'narrator','content':'x'}]")))
                .isInstanceOf(AnthropicException.class).hasMessageContaining("messages.0.role")
                .hasMessageContaining("narrator");
    }

    @Test
    void adjacentSameRoleMessagesAreMerged() throws Exception {
        JsonNode c = chat(req("", "[{'role':'user','content':'a'},{'role':'user','content':'b'},"
                + "{'role':'assistant','content':'c'},{'role':'assistant','content':'d'},{'role':'user','content':'e'}]"));
        assertThat(c.get("messages")).hasSize(3);
        assertThat(c.at("/messages/0/content").asText()).isEqualTo("a\n\nb");
        assertThat(c.at("/messages/1/content").asText()).isEqualTo("cd");
    }

    @Test
    void anUnansweredToolCallGetsASynthesizedResultAndAnOrphanResultBecomesText() throws Exception {
        JsonNode c = chat(req("", "[{'role':'user','content':'a'},{'role':'assistant','content':[{'type':'tool_use',"
                + "'id':'t1','name':'Bash','input':{}}]},{'role':'user','content':[{'type':'text','text':'never mind'},"
                + "{'type':'tool_result','tool_use_id':'zzz','content':'late'}]}]"));
        JsonNode m = c.get("messages");
        assertThat(m.at("/2/role").asText()).isEqualTo("tool");
        assertThat(m.at("/2/tool_call_id").asText()).isEqualTo("t1");
        assertThat(m.at("/3/content").asText()).contains("never mind").contains("Tool result (zzz): late");
    }

    @Test
    void aFinalAssistantMessageIsContinuedAsPrefill() throws Exception {
        JsonNode c = chat(req("", "[{'role':'user','content':'a'},{'role':'assistant','content':'The answer is'}]"));
        assertThat(c.get("continue_final_message").asBoolean()).isTrue();
        assertThat(c.get("add_generation_prompt").asBoolean()).isFalse();
    }

    @Test
    void toolsLoseSchemaKeywordAndEmptySchemasBecomeObjects() throws Exception {
        JsonNode c = chat(req("'tools':[{'name':'A','input_schema':{'$schema':'x','type':'object','properties':{'q':{'type':'string'}}}},"
                + "{'name':'B','input_schema':{}},{'name':'DeferredToolPlaceholder','input_schema':{'type':'object'},'defer_loading':true},"
                + "{'type':'web_search_20250305','name':'web_search'}]", "[{'role':'user','content':'x'}]"));
        assertThat(c.get("tools")).hasSize(2);
        assertThat(c.at("/tools/0/function/parameters").has("$schema")).isFalse();
        assertThat(c.at("/tools/1/function/parameters/type").asText()).isEqualTo("object");
        assertThat(c.get("tool_choice").asText()).isEqualTo("auto");
    }

    @Test
    void noToolsLeftMeansNoToolsAndNoToolChoice() throws Exception {
        JsonNode c = chat(req("'tools':[{'type':'web_search_20250305','name':'web_search'}],'tool_choice':{'type':'any'}",
                "[{'role':'user','content':'x'}]"));
        assertThat(c.has("tools")).isFalse();
        assertThat(c.has("tool_choice")).isFalse();
    }

    @Test
    void toolChoiceMapsAutoAnyToolNoneAndDisableParallel() throws Exception {
        String tools = "'tools':[{'name':'A','input_schema':{'type':'object'}}]";
        assertThat(chat(req(tools + ",'tool_choice':{'type':'any'}", "[{'role':'user','content':'x'}]"))
                .get("tool_choice").asText()).isEqualTo("required");
        assertThat(chat(req(tools + ",'tool_choice':{'type':'none'}", "[{'role':'user','content':'x'}]"))
                .get("tool_choice").asText()).isEqualTo("none");
        JsonNode named = chat(req(tools + ",'tool_choice':{'type':'tool','name':'A','disable_parallel_tool_use':true}",
                "[{'role':'user','content':'x'}]"));
        assertThat(named.at("/tool_choice/function/name").asText()).isEqualTo("A");
        assertThat(named.get("parallel_tool_calls").asBoolean()).isFalse();
        assertThatThrownBy(() -> chat(req(tools + ",'tool_choice':{'type':'tool','name':'Z'}",
                "[{'role':'user','content':'x'}]"))).hasMessageContaining("tool_choice.name");
    }

    @Test
    void samplingFieldsAreForwardedOnlyWhenSet() throws Exception {
        JsonNode none = chat(req("", "[{'role':'user','content':'x'}]"));
        assertThat(none.has("temperature")).isFalse();
        assertThat(none.has("top_p")).isFalse();
        assertThat(none.has("top_k")).isFalse();
        assertThat(none.has("stop")).isFalse();
        assertThat(none.has("user")).isFalse();
        JsonNode all = chat(req("'temperature':0.2,'top_p':0.9,'top_k':40,'stop_sequences':['END'],'metadata':{'user_id':'u1'}",
                "[{'role':'user','content':'x'}]"));
        assertThat(all.get("temperature").asDouble()).isEqualTo(0.2);
        assertThat(all.get("top_p").asDouble()).isEqualTo(0.9);
        assertThat(all.get("top_k").asInt()).isEqualTo(40);
        assertThat(all.at("/stop/0").asText()).isEqualTo("END");
        assertThat(all.get("user").asText()).isEqualTo("u1");
    }

    @Test
    void thinkingTurnsReasoningOnOrOffPerStyle() throws Exception {
        String msgs = "[{'role':'user','content':'x'}]";
        JsonNode adaptive = chat(req("'thinking':{'type':'adaptive'},'output_config':{'effort':'max'}", msgs));
        assertThat(adaptive.at("/chat_template_kwargs/enable_thinking").asBoolean()).isTrue();
        assertThat(adaptive.at("/chat_template_kwargs/thinking").asBoolean()).isTrue();
        assertThat(adaptive.get("reasoning_effort").asText()).isEqualTo("high");
        JsonNode disabled = chat(req("'thinking':{'type':'disabled'}", msgs));
        assertThat(disabled.at("/chat_template_kwargs/enable_thinking").asBoolean()).isFalse();
        assertThat(chat(req("", msgs)).has("chat_template_kwargs")).isFalse();
        JsonNode budget = chat(TranslationOptions.defaults().withReasoningStyle(ReasoningStyle.TOKEN_BUDGET),
                req("'thinking':{'type':'enabled','budget_tokens':2048}", msgs));
        assertThat(budget.get("thinking_token_budget").asInt()).isEqualTo(2048);
        JsonNode effort = chat(TranslationOptions.defaults().withReasoningStyle(ReasoningStyle.REASONING_EFFORT),
                req("'thinking':{'type':'disabled'}", msgs));
        assertThat(effort.get("reasoning_effort").asText()).isEqualTo("low");
        assertThat(effort.has("chat_template_kwargs")).isFalse();
    }

    @Test
    void streamingRequestsAskForUsage() throws Exception {
        JsonNode c = chat(req("'stream':true", "[{'role':'user','content':'x'}]"));
        assertThat(c.at("/stream_options/include_usage").asBoolean()).isTrue();
    }

    @Test
    void structuredOutputBecomesResponseFormat() throws Exception {
        JsonNode c = chat(req("'output_config':{'format':{'type':'json_schema','schema':{'type':'object'}}}",
                "[{'role':'user','content':'x'}]"));
        assertThat(c.at("/response_format/type").asText()).isEqualTo("json_schema");
        assertThat(c.at("/response_format/json_schema/schema/type").asText()).isEqualTo("object");
    }

    @Test
    void maxTokensZeroIsSentAsOneToWarmTheCache() throws Exception {
        RequestTranslator t = new RequestTranslator(TranslationOptions.defaults(), ModelResolver.fixed("m"));
        var r = t.translate("{\"model\":\"x\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(r.maxTokens()).isEqualTo(1);
        assertThat(r.facts().maxTokens()).isZero();
    }
}
