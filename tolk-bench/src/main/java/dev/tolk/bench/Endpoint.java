package dev.tolk.bench;

import java.nio.charset.StandardCharsets;

/**
 * One side of a comparison: where to send a streaming request and how to recognise its first text delta and
 * its end in the response bytes.
 *
 * @param name             "direct", "tolk" or "haproxy" (the reference hop)
 * @param port             127.0.0.1 port
 * @param path             request path
 * @param body             request body (JSON)
 * @param extraHeaders     already formatted header lines, each ending in CRLF
 * @param firstTextPattern bytes that open a non-empty text delta
 * @param endPattern       bytes that only a complete stream contains
 */
record Endpoint(String name, int port, String path, byte[] body, String extraHeaders,
                byte[] firstTextPattern, byte[] endPattern) {

    /** An OpenAI Chat Completions stream straight from the upstream: text in `"content":"x`, end at `[DONE]`. */
    static Endpoint direct(int port, byte[] body) {
        return new Endpoint("direct", port, "/v1/chat/completions", body, "",
                bytes("\"content\":\""), bytes("data: [DONE]"));
    }

    /** An Anthropic Messages stream through the gateway: text in `text_delta`, end at `message_stop`. */
    static Endpoint tolk(int port, byte[] body) {
        return new Endpoint("tolk", port, "/v1/messages", body,
                "anthropic-version: 2023-06-01\r\nx-api-key: bench\r\n",
                bytes("\"text_delta\""), bytes("event: message_stop"));
    }

    Endpoint named(String newName) {
        return new Endpoint(newName, port, path, body, extraHeaders, firstTextPattern, endPattern);
    }

    /** The same Messages request presenting {@code key} as {@code x-api-key}. */
    Endpoint withApiKey(String key) {
        return new Endpoint(name, port, path, body, extraHeaders.replace("x-api-key: bench", "x-api-key: " + key),
                firstTextPattern, endPattern);
    }

    Endpoint withPort(int newPort) {
        return new Endpoint(name, newPort, path, body, extraHeaders, firstTextPattern, endPattern);
    }

    /** The complete HTTP/1.1 request, keep-alive. */
    byte[] requestBytes() {
        String head = "POST " + path + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + port + "\r\n"
                + "Content-Type: application/json\r\n"
                + "Accept: text/event-stream\r\n"
                + extraHeaders
                + "Content-Length: " + body.length + "\r\n\r\n";
        byte[] h = bytes(head);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
