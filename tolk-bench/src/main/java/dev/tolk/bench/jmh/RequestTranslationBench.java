package dev.tolk.bench.jmh;

import dev.tolk.bench.Requests;
import dev.tolk.core.anthropic.AnthropicException;
import dev.tolk.core.translate.ModelResolver;
import dev.tolk.core.translate.TranslationOptions;
import dev.tolk.core.translate.request.RequestTranslator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Request translation of the largest real Claude Code request (Anthropic JSON bytes in, upstream OpenAI JSON bytes
 * out); MB/s = ops/s × {@link Requests#largestClaudeCode} size.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RequestTranslationBench {
    private byte[] body;
    private RequestTranslator translator;

    @Setup
    public void setUp() throws IOException {
        String dir = System.getProperty("tolk.bench.fixtures");
        body = Requests.largestClaudeCode(dir != null ? Path.of(dir) : Requests.claudeCodeFixtures());
        translator = new RequestTranslator(TranslationOptions.defaults(), ModelResolver.fixed("sim-model"));
    }

    @Benchmark
    public byte[] translateLargestClaudeCodeRequest() throws AnthropicException {
        return translator.translate(body).upstreamBody();
    }
}
