package dev.tolk.core.translate.textcalls;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Tool calls written as text are recovered, whatever the format and however the stream is split. */
class TextToolCallParserTest {
    static final Set<String> TOOLS = Set.of("Bash", "Read");

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("hermes", "Let me check.\n<tool_call>\n{\"name\": \"Bash\", \"arguments\": {\"command\": \"ls\"}}\n</tool_call>",
                        List.of(new Piece.Text("Let me check.\n"), new Piece.ToolCall("Bash", "{\"command\":\"ls\"}"))),
                Arguments.of("hermes twice", "<tool_call>{\"name\":\"Bash\",\"arguments\":{\"command\":\"a\"}}</tool_call>\n"
                                + "<tool_call>{\"name\":\"Read\",\"arguments\":\"{\\\"path\\\":\\\"x\\\"}\"}</tool_call>",
                        List.of(new Piece.ToolCall("Bash", "{\"command\":\"a\"}"), new Piece.Text("\n"),
                                new Piece.ToolCall("Read", "{\"path\":\"x\"}"))),
                Arguments.of("qwen3-coder", "<tool_call>\n<function=Bash>\n<parameter=command>\necho hi\n</parameter>\n"
                                + "<parameter=timeout>\n5000\n</parameter>\n</function>\n</tool_call>",
                        List.of(new Piece.ToolCall("Bash", "{\"command\":\"echo hi\",\"timeout\":5000}"))),
                Arguments.of("qwen3-coder bare", "ok <function=Read><parameter=path>/tmp/a</parameter></function> done",
                        List.of(new Piece.Text("ok "), new Piece.ToolCall("Read", "{\"path\":\"/tmp/a\"}"), new Piece.Text(" done"))),
                Arguments.of("llama whole reply", "{\"name\": \"Bash\", \"parameters\": {\"command\": \"pwd\"}}",
                        List.of(new Piece.ToolCall("Bash", "{\"command\":\"pwd\"}"))),
                Arguments.of("llama python tag", "<|python_tag|>{\"name\": \"Bash\", \"parameters\": {\"command\": \"pwd\"}}",
                        List.of(new Piece.ToolCall("Bash", "{\"command\":\"pwd\"}"))),
                Arguments.of("mistral list", "[TOOL_CALLS][{\"name\": \"Bash\", \"arguments\": {\"command\": \"ls\"}}]",
                        List.of(new Piece.ToolCall("Bash", "{\"command\":\"ls\"}"))),
                Arguments.of("mistral args form", "[TOOL_CALLS]Bash[ARGS]{\"command\": \"ls\"}",
                        List.of(new Piece.ToolCall("Bash", "{\"command\":\"ls\"}"))),
                Arguments.of("unknown tool stays text", "<tool_call>{\"name\":\"Delete\",\"arguments\":{}}</tool_call>",
                        List.of(new Piece.Text("<tool_call>{\"name\":\"Delete\",\"arguments\":{}}</tool_call>"))),
                Arguments.of("malformed stays text", "<tool_call>{\"name\":\"Bash\",\"arguments\":{oops</tool_call> after",
                        List.of(new Piece.Text("<tool_call>{\"name\":\"Bash\",\"arguments\":{oops</tool_call> after"))),
                Arguments.of("plain text with angle brackets", "use a <b>bold</b> tag, 3 < 4 and {braces} later",
                        List.of(new Piece.Text("use a <b>bold</b> tag, 3 < 4 and {braces} later"))),
                Arguments.of("json that is not a call", "{\"answer\": 42}",
                        List.of(new Piece.Text("{\"answer\": 42}"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void wholeContentIsParsed(String name, String content, List<Piece> expected) {
        assertThat(TextToolCallParser.parseWhole(content, TOOLS)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everySplitPointGivesTheSamePieces(String name, String content, List<Piece> expected) {
        for (int cut1 = 0; cut1 <= content.length(); cut1++) {
            for (int cut2 = cut1; cut2 <= content.length(); cut2 += Math.max(1, content.length() / 7)) {
                TextToolCallParser p = new TextToolCallParser(TOOLS);
                List<Piece> out = new ArrayList<>();
                out.addAll(p.feed(content.substring(0, cut1)));
                out.addAll(p.feed(content.substring(cut1, cut2)));
                out.addAll(p.feed(content.substring(cut2)));
                out.addAll(p.finish());
                assertThat(merge(out)).as("cut at %d/%d", cut1, cut2).isEqualTo(expected);
            }
        }
    }

    @Test
    void plainTextIsNotHeldBackExceptAPossibleOpening() {
        TextToolCallParser p = new TextToolCallParser(TOOLS);
        assertThat(p.feed("Hello there ")).containsExactly(new Piece.Text("Hello there "));
        assertThat(p.feed("and <tool_c")).containsExactly(new Piece.Text("and "));
        assertThat(p.feed("ontent")).containsExactly(new Piece.Text("<tool_content"));
    }

    private static List<Piece> merge(List<Piece> pieces) {
        List<Piece> out = new ArrayList<>();
        for (Piece x : pieces) {
            if (x instanceof Piece.Text t && t.text().isEmpty()) {
                continue;
            }
            if (x instanceof Piece.Text t && !out.isEmpty() && out.get(out.size() - 1) instanceof Piece.Text prev) {
                out.set(out.size() - 1, new Piece.Text(prev.text() + t.text()));
            } else {
                out.add(x);
            }
        }
        return out;
    }
}
