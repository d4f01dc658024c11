package dev.tolk.sim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tolk sim}: runs the vLLM simulator until killed. */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = "Run a vLLM simulator (OpenAI-compatible, vLLM's wire format) for tests and demos.")
public final class SimCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Bind address (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8000",
            description = "Port of the first instance (default: ${DEFAULT-VALUE}; 0 = free ports).")
    int port;

    @Option(names = "--instances", defaultValue = "1",
            description = "Independent vLLM instances on consecutive ports (default: ${DEFAULT-VALUE}).")
    int instances;

    @Option(names = "--scenario", description = "Scenario file (YAML or JSON) scripting the answers.")
    Path scenario;

    @Option(names = "--model", description = "Served model name; repeat for several (default: qwen3-sim).")
    List<String> models;

    @Option(names = "--max-model-len", defaultValue = "32768", description = "Context window (default: ${DEFAULT-VALUE}).")
    int maxModelLen;

    @Option(names = "--api-key", description = "Require this Bearer key on /v1 paths, like vllm --api-key.")
    String apiKey;

    @Option(names = "--no-tool-parser", description = "Act as vLLM without --enable-auto-tool-choice: reject \"auto\".")
    boolean noToolParser;

    @Option(names = "--no-reasoning-parser", description = "Act as vLLM without --reasoning-parser: reasoning stays in content.")
    boolean noReasoningParser;

    @Option(names = "--reasoning-field", defaultValue = "reasoning", description = "reasoning or reasoning_content.")
    String reasoningField;

    @Option(names = "--no-prompt-tokens-details", description = "Act as vLLM without --enable-prompt-tokens-details.")
    boolean noPromptTokensDetails;

    @Option(names = "--no-tokenize", description = "Do not serve POST /tokenize.")
    boolean noTokenize;

    @Option(names = "--overflow-wording", defaultValue = "new", description = "old, mid, v019 or new.")
    String overflowWording;

    @Option(names = "--prefill-us-per-token", defaultValue = "0",
            description = "Prefill time per prompt token not served from the prefix cache (µs).")
    long prefill;

    @Option(names = "--decode-us-per-token", defaultValue = "0", description = "Decode time per output token (µs).")
    long decode;

    @Option(names = "--max-num-seqs", defaultValue = "0",
            description = "Sequences running at once per instance; more wait in a FIFO queue (default: 0 = no limit).")
    int maxNumSeqs;

    @Option(names = "--scheduling-policy", defaultValue = "fcfs",
            description = "fcfs (default) or priority: the waiting queue by each request's priority, lower first.")
    String schedulingPolicy;

    @Option(names = "--kv-blocks", defaultValue = "" + SimOptions.DEFAULT_KV_BLOCKS,
            description = "KV capacity per instance in 16-token blocks (default: ${DEFAULT-VALUE}).")
    int kvBlocks;

    @Option(names = "--chunk-delay-ms", defaultValue = "0", description = "Delay between streamed chunks (ms).")
    long chunkDelay;

    @Option(names = "--chunks", defaultValue = "8", description = "Chunks in the default answer.")
    int chunks;

    @Override
    public Integer call() throws Exception {
        SimOptions o = SimOptions.builder().host(host).port(port)
                .models(models == null || models.isEmpty() ? List.of("qwen3-sim") : models)
                .maxModelLen(maxModelLen).apiKey(apiKey).toolParser(!noToolParser)
                .reasoningParser(!noReasoningParser).reasoningField(reasoningField)
                .promptTokensDetails(!noPromptTokensDetails).tokenize(!noTokenize)
                .overflowWording(overflowWording).prefillMicrosPerToken(prefill)
                .decodeMicrosPerToken(decode).maxNumSeqs(maxNumSeqs).priorityScheduling("priority".equals(schedulingPolicy)).kvBlocks(kvBlocks)
                .chunkDelayMillis(chunkDelay).defaultChunks(chunks).build();
        if (instances < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--instances must be at least 1");
        }
        SimFleet fleet = SimFleet.start(instances, o);
        if (scenario != null) {
            fleet.loadScenario(Files.readString(scenario));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(fleet::close));
        for (SimServer sim : fleet.instances()) {
            System.out.println("tolk-sim listening on " + sim.baseUri() + " ("
                    + (instances > 1 ? "instance " + sim.index() + " of " + instances + ", " : "")
                    + "models " + o.models() + ", max_model_len " + o.maxModelLen() + ")");
        }
        System.out.flush();
        new CountDownLatch(1).await();
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SimCommand()).execute(args));
    }
}
