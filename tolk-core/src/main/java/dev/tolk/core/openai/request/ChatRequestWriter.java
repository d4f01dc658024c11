package dev.tolk.core.openai.request;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tolk.core.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** Writes {@link ChatCompletionRequest}s and {@code /tokenize} bodies as vLLM expects them. */
public final class ChatRequestWriter {
    private ChatRequestWriter() {}

    /** The {@code /v1/chat/completions} body. */
    public static byte[] toJson(ChatCompletionRequest r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(estimate(r));
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", r.model());
            writeMessages(g, r.messages());
            if (r.maxTokens() != null) {
                g.writeNumberField("max_tokens", r.maxTokens());
            }
            if (r.temperature() != null) {
                g.writeNumberField("temperature", r.temperature());
            }
            if (r.topP() != null) {
                g.writeNumberField("top_p", r.topP());
            }
            if (r.topK() != null) {
                g.writeNumberField("top_k", r.topK());
            }
            if (r.stop() != null && !r.stop().isEmpty()) {
                g.writeArrayFieldStart("stop");
                for (String s : r.stop()) {
                    g.writeString(s);
                }
                g.writeEndArray();
            }
            if (r.stream()) {
                g.writeBooleanField("stream", true);
                g.writeObjectFieldStart("stream_options");
                g.writeBooleanField("include_usage", true);
                g.writeEndObject();
            }
            if (r.tools() != null) {
                writeTools(g, r.tools());
                writeToolChoice(g, r);
                if (r.parallelToolCalls() != null) {
                    g.writeBooleanField("parallel_tool_calls", r.parallelToolCalls());
                }
            }
            if (r.user() != null) {
                g.writeStringField("user", r.user());
            }
            writeTemplateKwargs(g, r.chatTemplateKwargs());
            if (r.reasoningEffort() != null) {
                g.writeStringField("reasoning_effort", r.reasoningEffort());
            }
            if (r.thinkingTokenBudget() != null) {
                g.writeNumberField("thinking_token_budget", r.thinkingTokenBudget());
            }
            if (r.responseFormat() != null) {
                g.writeFieldName("response_format");
                Json.MAPPER.writeTree(g, r.responseFormat());
            }
            if (r.continueFinalMessage()) {
                g.writeBooleanField("continue_final_message", true);
                g.writeBooleanField("add_generation_prompt", false);
            }
            if (r.priority() != null) {
                g.writeNumberField("priority", r.priority());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The chat form of vLLM's {@code POST /tokenize}: the same messages, tools and template kwargs. */
    public static byte[] toTokenizeJson(ChatCompletionRequest r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(estimate(r));
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", r.model());
            writeMessages(g, r.messages());
            if (r.tools() != null) {
                writeTools(g, r.tools());
            }
            writeTemplateKwargs(g, r.chatTemplateKwargs());
            if (r.continueFinalMessage()) {
                g.writeBooleanField("continue_final_message", true);
                g.writeBooleanField("add_generation_prompt", false);
            } else {
                g.writeBooleanField("add_generation_prompt", true);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static int estimate(ChatCompletionRequest r) {
        return 4096 + r.messages().size() * 256;
    }

    private static void writeMessages(JsonGenerator g, List<ChatMessage> messages) throws IOException {
        g.writeArrayFieldStart("messages");
        for (ChatMessage m : messages) {
            g.writeStartObject();
            g.writeStringField("role", m.role());
            if (m.parts() != null) {
                g.writeArrayFieldStart("content");
                for (ContentPart p : m.parts()) {
                    g.writeStartObject();
                    if (p instanceof ContentPart.Text t) {
                        g.writeStringField("type", "text");
                        g.writeStringField("text", t.text());
                    } else if (p instanceof ContentPart.ImageUrl u) {
                        g.writeStringField("type", "image_url");
                        g.writeObjectFieldStart("image_url");
                        g.writeStringField("url", u.url());
                        g.writeEndObject();
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
            } else if (m.text() != null) {
                g.writeStringField("content", m.text());
            } else {
                g.writeNullField("content");
            }
            if (m.hasToolCalls()) {
                g.writeArrayFieldStart("tool_calls");
                for (ToolCall c : m.toolCalls()) {
                    g.writeStartObject();
                    g.writeStringField("id", c.id());
                    g.writeStringField("type", "function");
                    g.writeObjectFieldStart("function");
                    g.writeStringField("name", c.name());
                    g.writeStringField("arguments", c.arguments());
                    g.writeEndObject();
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            if (m.toolCallId() != null) {
                g.writeStringField("tool_call_id", m.toolCallId());
            }
            if (m.reasoning() != null) {
                g.writeStringField("reasoning", m.reasoning());
                g.writeStringField("reasoning_content", m.reasoning());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeTools(JsonGenerator g, List<FunctionTool> tools) throws IOException {
        g.writeArrayFieldStart("tools");
        for (FunctionTool t : tools) {
            g.writeStartObject();
            g.writeStringField("type", "function");
            g.writeObjectFieldStart("function");
            g.writeStringField("name", t.name());
            if (t.description() != null) {
                g.writeStringField("description", t.description());
            }
            g.writeFieldName("parameters");
            Json.MAPPER.writeTree(g, t.parameters());
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeToolChoice(JsonGenerator g, ChatCompletionRequest r) throws IOException {
        if (r.toolChoice() == null) {
            return;
        }
        if (r.toolChoiceIsNamed()) {
            g.writeObjectFieldStart("tool_choice");
            g.writeStringField("type", "function");
            g.writeObjectFieldStart("function");
            g.writeStringField("name", r.toolChoice());
            g.writeEndObject();
            g.writeEndObject();
        } else {
            g.writeStringField("tool_choice", r.toolChoice());
        }
    }

    private static void writeTemplateKwargs(JsonGenerator g, Map<String, Object> kwargs) throws IOException {
        if (kwargs == null || kwargs.isEmpty()) {
            return;
        }
        g.writeObjectFieldStart("chat_template_kwargs");
        for (Map.Entry<String, Object> e : kwargs.entrySet()) {
            g.writeFieldName(e.getKey());
            Json.MAPPER.writeValue(g, e.getValue());
        }
        g.writeEndObject();
    }
}
