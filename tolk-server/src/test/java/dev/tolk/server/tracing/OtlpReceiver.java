package dev.tolk.server.tracing;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP trace receiver on loopback, as a collector is one: {@code POST /v1/traces} with a protobuf
 * {@code ExportTraceServiceRequest}, decoded with the protocol's own messages (opentelemetry-proto).
 */
final class OtlpReceiver implements AutoCloseable {
    /** One received span: ids in hex, attributes as Java values (String, Long, Double, Boolean, List). */
    record Received(String traceId, String spanId, String parentSpanId, String name, Span.SpanKind kind,
                    Map<String, Object> attributes, List<Event> events, int statusCode,
                    Map<String, Object> resource) {
        Object attr(String key) {
            return attributes.get(key);
        }
    }

    record Event(String name, Map<String, Object> attributes) {}

    private final HttpServer server;
    private final List<Received> spans = new CopyOnWriteArrayList<>();
    final List<String> contentTypes = new CopyOnWriteArrayList<>();

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/traces", exchange -> {
            try (exchange) {
                contentTypes.add(String.valueOf(exchange.getRequestHeaders().getFirst("content-type")));
                InputStream in = exchange.getRequestBody();
                if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("content-encoding"))) {
                    in = new GZIPInputStream(in);
                }
                ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(in.readAllBytes());
                for (ResourceSpans rs : request.getResourceSpansList()) {
                    Map<String, Object> resource = attributes(rs.getResource().getAttributesList());
                    for (ScopeSpans ss : rs.getScopeSpansList()) {
                        for (Span s : ss.getSpansList()) {
                            spans.add(received(s, resource));
                        }
                    }
                }
                byte[] ok = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                exchange.getResponseHeaders().set("content-type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, ok.length == 0 ? -1 : ok.length);
                if (ok.length > 0) {
                    exchange.getResponseBody().write(ok);
                }
            }
        });
        server.start();
    }

    /** The value of {@code OTEL_EXPORTER_OTLP_ENDPOINT} for this receiver. */
    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    List<Received> spans() {
        return new ArrayList<>(spans);
    }

    private static Received received(Span s, Map<String, Object> resource) {
        List<Event> events = new ArrayList<>();
        for (Span.Event e : s.getEventsList()) {
            events.add(new Event(e.getName(), attributes(e.getAttributesList())));
        }
        return new Received(hex(s.getTraceId().toByteArray()), hex(s.getSpanId().toByteArray()),
                hex(s.getParentSpanId().toByteArray()), s.getName(), s.getKind(), attributes(s.getAttributesList()),
                events, s.getStatus().getCodeValue(), resource);
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static Map<String, Object> attributes(List<KeyValue> kvs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (KeyValue kv : kvs) {
            out.put(kv.getKey(), value(kv.getValue()));
        }
        return out;
    }

    private static Object value(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> v.getIntValue();
            case DOUBLE_VALUE -> v.getDoubleValue();
            case BOOL_VALUE -> v.getBoolValue();
            case ARRAY_VALUE -> v.getArrayValue().getValuesList().stream().map(OtlpReceiver::value).toList();
            default -> v.toString();
        };
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
