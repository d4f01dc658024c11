package dev.tolk.core.openai.response;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import dev.tolk.core.json.Json;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads the chunks of one upstream stream. Gives the same {@link ChatChunk} as {@link ChatChunkParser#parse} for
 * every chunk (the rules are {@link ChatChunkParser#read}), at a fraction of the cost, in two ways:
 *
 * <ul>
 *   <li><b>One parser per stream.</b> Jackson's non-blocking byte-array parser is fed each chunk's data in turn and
 *       reads it as the next root-level value; creating a parser per chunk (context, content reference, encoding
 *       detection, symbol-table child) cost as much as reading the chunk and most of the bytes it allocated.</li>
 *   <li><b>Text chunks as a template.</b> Within a stream vLLM's text chunks differ only in their text: the same id,
 *       created, model, index, {@code logprobs:null}, {@code finish_reason:null}. After a chunk whose delta holds
 *       exactly one string ({@code content} or {@code reasoning}) and nothing else that matters, its bytes before
 *       and after that string are kept. A next chunk that has the very same bytes before and after is that chunk
 *       with another string, so only that string is read (taken as it is when it is printable ASCII without quotes
 *       or backslashes, else parsed by Jackson as one JSON string token). This is exact,
 *       not a guess: the tokens before the string are the same bytes read in the same state, and the string token
 *       ends where the template's did, so everything after it reads as before. Anything else is parsed in full.
 *       {@link #templateChunkLength} finds such a chunk with plain text where its SSE line starts, before the line's
 *       end is known.</li>
 * </ul>
 *
 * <p>Differences from {@link ChatChunkParser#parse}: the data must be UTF-8 (SSE is UTF-8 by definition), and
 * anything but whitespace after the chunk's object is an error (a blocking parser stops at the object's end). After
 * an error the reader is unusable: a malformed chunk ends the stream. Not thread-safe.
 */
public final class ChatChunkReader {
    /** Longer chunks are not kept as templates (a text chunk is about 200 bytes). */
    static final int MAX_TEMPLATE_BYTES = 1024;

    // the stream's parser, made when a chunk comes and closed by release(): between bursts a stream holds no
    // Jackson buffers, and closing gives the names it learned to the factory's table for the next stream
    private JsonParser parser;
    private JsonParser chunkParser;
    private ByteArrayFeeder feeder;
    private final ChatChunkParser.TextSpan span = new ChatChunkParser.TextSpan();
    private long fed;
    private boolean broken;

    // the template: bytes of the last plain text chunk, and where its string was
    private byte[] template = new byte[0];
    private int templateLen;
    private int prefixLen = -1; // -1: no template
    private int suffixLen;
    private boolean templateIsReasoning;
    private JsonParser stringParser;
    private ByteArrayFeeder stringFeeder;
    private long stringFed;
    private long templateHits;
    private boolean templateSingleLine; // no CR or LF in it: chunks like it can be recognised before the line end

    public ChatChunkReader() {}

    /**
     * Closes the parsers (their buffers go back to Jackson's pool); the next chunk makes new ones. Call it when the
     * chunks that have arrived are read, before the stream waits for more.
     */
    public void release() {
        if (parser != null) {
            closeQuietly(parser);
            parser = null;
            chunkParser = null;
            feeder = null;
        }
        if (stringParser != null) {
            closeQuietly(stringParser);
            stringParser = null;
        }
    }

    private static void closeQuietly(JsonParser p) {
        try {
            p.close();
        } catch (IOException e) {
            // nothing is left to read from it
        }
    }

    /**
     * The chunk's data is all there is: running out of input inside it is a truncated chunk. Jackson's
     * non-blocking parser would answer {@code NOT_AVAILABLE} and leave its current token as it was, which the
     * one-shot reading rules ({@link ChatChunkParser#read}) must never see.
     */
    private static final class WholeChunk extends com.fasterxml.jackson.core.util.JsonParserDelegate {
        WholeChunk(JsonParser d) {
            super(d);
        }

        @Override
        public JsonToken nextToken() throws IOException {
            JsonToken t = delegate.nextToken();
            if (t == JsonToken.NOT_AVAILABLE) {
                throw new com.fasterxml.jackson.core.JsonParseException(this, "truncated JSON object");
            }
            return t;
        }

        @Override
        public JsonToken nextValue() throws IOException {
            JsonToken t = nextToken();
            return t == JsonToken.FIELD_NAME ? nextToken() : t;
        }

        // the shortcuts Jackson's tree reader uses would read past NOT_AVAILABLE unseen: route them through nextToken
        @Override
        public String nextFieldName() throws IOException {
            return nextToken() == JsonToken.FIELD_NAME ? currentName() : null;
        }

        @Override
        public boolean nextFieldName(com.fasterxml.jackson.core.SerializableString name) throws IOException {
            return nextToken() == JsonToken.FIELD_NAME && name.getValue().equals(currentName());
        }

        @Override
        public String nextTextValue() throws IOException {
            return nextToken() == JsonToken.VALUE_STRING ? getText() : null;
        }

        @Override
        public int nextIntValue(int defaultValue) throws IOException {
            return nextToken() == JsonToken.VALUE_NUMBER_INT ? getIntValue() : defaultValue;
        }

        @Override
        public long nextLongValue(long defaultValue) throws IOException {
            return nextToken() == JsonToken.VALUE_NUMBER_INT ? getLongValue() : defaultValue;
        }

        @Override
        public Boolean nextBooleanValue() throws IOException {
            JsonToken t = nextToken();
            return t == JsonToken.VALUE_TRUE ? Boolean.TRUE : t == JsonToken.VALUE_FALSE ? Boolean.FALSE : null;
        }

        @Override
        public JsonParser skipChildren() throws IOException {
            JsonToken t = currentToken();
            if (t != JsonToken.START_OBJECT && t != JsonToken.START_ARRAY) {
                return this;
            }
            for (int open = 1; open > 0; ) {
                JsonToken n = nextToken();
                if (n == null) {
                    throw new com.fasterxml.jackson.core.JsonParseException(this, "truncated JSON object");
                }
                if (n.isStructStart()) {
                    open++;
                } else if (n.isStructEnd()) {
                    open--;
                }
            }
            return this;
        }
    }

    /**
     * The length of the chunk that starts at {@code buf[off]} (and ends before {@code end}) when it is the template
     * with another plain string ({@link Json#isPlainStringChar}: no quote, backslash, control or non-ASCII
     * character), found without knowing where the chunk ends: the template's bytes before the string, the string,
     * the template's bytes after it. Else -1, also when the template spans lines. Such a chunk holds no CR or LF, so
     * the SSE decoder can hand it over without scanning its line
     * ({@link dev.tolk.core.sse.SseDecoder.Listener#recognisedDataLength}). Its text is at
     * {@link #templateTextOffset()} from its start, {@link #templateTextLength} bytes long, plain, and it is a chunk
     * with only that text as content or reasoning ({@link #templateIsReasoning()}): what {@link #read} would give.
     * Remembers nothing; the answer holds until the next {@link #read}, which may change the template.
     */
    public int templateChunkLength(byte[] buf, int off, int end) {
        int p = prefixLen;
        int s = suffixLen;
        if (p < 0 || !templateSingleLine || broken || end - off < p + s + 2 || buf[off + p] != '"'
                || !Arrays.equals(buf, off, off + p, template, 0, p)) {
            return -1;
        }
        int q = off + p + 1;
        int limit = end - s;
        while (q < limit && Json.isPlainStringChar(buf[q])) {
            q++;
        }
        if (q >= limit || buf[q] != '"' || !Arrays.equals(buf, q + 1, q + 1 + s, template, templateLen - s, templateLen)) {
            return -1;
        }
        return q + 1 + s - off;
    }

    /** Where the text of a chunk {@link #templateChunkLength} measured starts, counted from the chunk's start. */
    public int templateTextOffset() {
        return prefixLen + 1;
    }

    /** The length of the text of a chunk {@link #templateChunkLength} measured {@code chunkLength} bytes long. */
    public int templateTextLength(int chunkLength) {
        return chunkLength - prefixLen - suffixLen - 2;
    }

    /** Whether the text of a chunk {@link #templateChunkLength} measured is reasoning (else content). */
    public boolean templateIsReasoning() {
        return templateIsReasoning;
    }

    /** Reads the chunk in {@code buf[off, off+len)}, which must be one whole SSE data payload. */
    public ChatChunk read(byte[] buf, int off, int len) throws IOException {
        if (broken) {
            throw new IOException("the stream's parser failed on an earlier chunk");
        }
        ChatChunk fast = fromTemplate(buf, off, len);
        if (fast != null) {
            return fast;
        }
        broken = true; // until this chunk has been read cleanly
        if (parser == null) {
            parser = nonBlockingParser();
            feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
            chunkParser = new WholeChunk(parser);
            fed = 0;
        }
        long chunkStart = fed;
        feeder.feedInput(buf, off, off + len);
        fed += len;
        span.reset();
        ChatChunk chunk = ChatChunkParser.read(chunkParser, chunkParser.nextToken(), span);
        if (!parser.getParsingContext().inRoot()) {
            throw new IOException("truncated JSON object");
        }
        long unread = fed - parser.currentLocation().getByteOffset();
        for (long i = off + len - unread; i < off + len; i++) {
            byte b = buf[(int) i];
            if (!isWhitespace(b)) {
                throw new IOException("unexpected content after the chunk's JSON object");
            }
        }
        if (unread > 0 && parser.nextToken() != JsonToken.NOT_AVAILABLE) { // only whitespace is left: skip it
            throw new IOException("unexpected content after the chunk's JSON object");
        }
        broken = false;
        keepAsTemplate(chunk, buf, off, len, chunkStart);
        return chunk;
    }

    /** The chunk when it is the template with another string, else null. */
    private ChatChunk fromTemplate(byte[] buf, int off, int len) throws IOException {
        int p = prefixLen;
        int s = suffixLen;
        if (p < 0 || len < p + s + 2
                || !Arrays.equals(buf, off, off + p, template, 0, p)
                || !Arrays.equals(buf, off + len - s, off + len, template, templateLen - s, templateLen)) {
            return null;
        }
        String text = readStringToken(buf, off + p, len - p - s);
        if (text == null) {
            return null;
        }
        templateHits++;
        return ChatChunk.text(text, templateIsReasoning);
    }

    /**
     * The string when {@code buf[off, off+len)} is exactly one JSON string token, else null. A region that is not
     * (an escaped quote that ends the string early, a string that does not end) leaves the string parser in a state
     * it cannot leave, so it is replaced.
     */
    private String readStringToken(byte[] buf, int off, int len) throws IOException {
        if (buf[off] != '"' || buf[off + len - 1] != '"') {
            return null;
        }
        String plain = printableAscii(buf, off + 1, len - 2);
        if (plain != null) {
            return plain;
        }
        if (stringParser == null) {
            stringParser = nonBlockingParser();
            stringFeeder = (ByteArrayFeeder) stringParser.getNonBlockingInputFeeder();
            stringFed = 0;
        }
        stringFeeder.feedInput(buf, off, off + len);
        stringFed += len;
        try {
            if (stringParser.nextToken() == JsonToken.VALUE_STRING
                    && stringParser.currentLocation().getByteOffset() == stringFed) {
                return stringParser.getText();
            }
        } catch (IOException e) {
            // not a valid string token: the full parse will say what is wrong
        }
        closeQuietly(stringParser);
        stringParser = null;
        return null;
    }

    /**
     * The string between the quotes when all its bytes are plain ({@link Json#isPlainStringChar}): such a JSON string
     * is its own value, byte for byte (most of what a model writes is), so Jackson is not needed to read it.
     */
    private static String printableAscii(byte[] buf, int off, int len) {
        for (int i = off, end = off + len; i < end; i++) {
            if (!Json.isPlainStringChar(buf[i])) {
                return null;
            }
        }
        return new String(buf, off, len, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** How many chunks were read through the template (for tests and benchmarks). */
    long templateHits() {
        return templateHits;
    }

    private void keepAsTemplate(ChatChunk c, byte[] buf, int off, int len, long chunkStart) throws IOException {
        prefixLen = -1;
        boolean plainText = c.hasChoice() && (c.content() == null) != (c.reasoning() == null) && c.toolCalls().isEmpty()
                && c.finishReason() == null && c.stopReason() == null && c.usage() == null && c.error() == null
                && span.values == 1 && len <= MAX_TEMPLATE_BYTES;
        if (!plainText) {
            return;
        }
        int valueEnd = (int) (span.afterValue - chunkStart);
        int valueStart = (int) (span.afterName - chunkStart);
        while (valueStart < valueEnd && (buf[off + valueStart] == ':' || isWhitespace(buf[off + valueStart]))) {
            valueStart++; // JSON puts only whitespace and the colon between a name and its value
        }
        // the template stands only if the bytes found are exactly that string token: then the positions Jackson
        // reported are what this class takes them to be
        String text = c.content() != null ? c.content() : c.reasoning();
        if (valueStart < 0 || valueEnd > len || valueEnd - valueStart < 2
                || !text.equals(readStringToken(buf, off + valueStart, valueEnd - valueStart))) {
            return;
        }
        if (template.length < len) {
            template = new byte[Math.max(256, len)];
        }
        System.arraycopy(buf, off, template, 0, len);
        templateLen = len;
        prefixLen = valueStart;
        suffixLen = len - valueEnd;
        templateIsReasoning = c.reasoning() != null;
        templateSingleLine = hasNoLineBreak(template, templateLen);
    }

    private static boolean hasNoLineBreak(byte[] b, int len) {
        for (int i = 0; i < len; i++) {
            if (b[i] == '\n' || b[i] == '\r') {
                return false;
            }
        }
        return true;
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    private static JsonParser nonBlockingParser() {
        try {
            return Json.FACTORY.createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new IllegalStateException("Jackson has no non-blocking parser", e);
        }
    }
}
