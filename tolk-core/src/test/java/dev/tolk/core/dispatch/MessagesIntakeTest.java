package dev.tolk.core.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.threads.ThreadStore;
import dev.tolk.core.translate.ModelResolver;
import dev.tolk.core.translate.TranslationOptions;
import dev.tolk.core.translate.request.RequestTranslator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MessagesIntakeTest {
    private final MessagesIntake intake = new MessagesIntake(new RequestTranslator(TranslationOptions.defaults(),
            ModelResolver.fixed("m")), new ThreadStore(1 << 20, Duration.ofMinutes(5), () -> 0));

    private static byte[] json(String s) {
        return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] reply(String id) {
        return json("{'id':'" + id + "','type':'message','role':'assistant','content':[{'type':'text','text':'hi'}]}");
    }

    @Test
    void withoutThreadThereIsNoTurn() throws Exception {
        MessagesIntake.Intake in = intake.messages(json("{'model':'x','max_tokens':5,'messages':[{'role':'user','content':'a'}]}"));
        assertThat(in.thread()).isNull();
        assertThat(in.translated().chat().messages()).hasSize(1);
    }

    @Test
    void aContinueIsTranslatedWhole() throws Exception {
        MessagesIntake.Intake first = intake.messages(json("{'model':'x','max_tokens':5,'system':'s','thread':{'type':'create'},"
                + "'messages':[{'role':'user','content':'a'}]}"));
        first.thread().recordMessage(reply("msg_1"));
        MessagesIntake.Intake next = intake.messages(json("{'model':'x','max_tokens':5,'thread':{'type':'continue',"
                + "'previous_message_id':'msg_1'},'messages':[{'role':'user','content':'b'}]}"));
        assertThat(next.translated().chat().messages()).extracting(m -> m.role())
                .containsExactly("system", "user", "assistant", "user");
    }

    @Test
    void aContinueThatFailsTranslationLeavesItsIdContinuable() throws Exception {
        intake.messages(json("{'model':'x','max_tokens':5,'thread':{'type':'create'},'messages':[{'role':'user','content':'a'}]}"))
                .thread().recordMessage(reply("msg_1"));
        String pdf = "{'model':'x','max_tokens':5,'thread':{'type':'continue','previous_message_id':'msg_1'},'messages':"
                + "[{'role':'user','content':[{'type':'document','source':{'type':'base64','media_type':'application/pdf',"
                + "'data':'JVBERi0='}}]}]}";
        assertThatThrownBy(() -> intake.messages(json(pdf))).isInstanceOf(AnthropicException.class)
                .satisfies(e -> assertThat(((AnthropicException) e).error().errorCode()).isNull());
        assertThat(intake.messages(json("{'model':'x','max_tokens':5,'thread':{'type':'continue','previous_message_id':"
                + "'msg_1'},'messages':[{'role':'user','content':'b'}]}")).thread()).isNotNull();
    }

    @Test
    void aContinueIsRoutedByItsThreadAndPinnedWhereTheTurnBeforeWasAnswered() throws Exception {
        String plain = "{'model':'x','max_tokens':5,'messages':[{'role':'user','content':'a'}]}";
        assertThat(intake.messages(json(plain)).hint("sess")).isEqualTo(RoutingHint.session("sess"));
        assertThat(intake.messages(json(plain)).hint(null)).isSameAs(RoutingHint.NONE);

        MessagesIntake.Intake create = intake.messages(json("{'model':'x','max_tokens':5,'thread':{'type':'create'},"
                + "'messages':[{'role':'user','content':'a'}]}"));
        assertThat(create.hint("sess")).isEqualTo(RoutingHint.session("sess")); // routed like any request
        create.thread().answeredBy("gpu-b");
        create.thread().recordMessage(reply("msg_1"));

        MessagesIntake.Intake next = intake.messages(json("{'model':'x','max_tokens':5,'thread':{'type':'continue',"
                + "'previous_message_id':'msg_1'},'messages':[{'role':'user','content':'b'}]}"));
        assertThat(next.hint("other-session")).isEqualTo(new RoutingHint("other-session", "msg_1", "gpu-b"));
        assertThat(next.hint(null)).isEqualTo(new RoutingHint(null, "msg_1", "gpu-b"));
    }
}
