package dev.tolk.core.translate;

/** What happens to a {@code document} block whose source is a PDF (protocol.md §C.2). */
public enum PdfPolicy {
    /** Default: 400 {@code invalid_request_error} naming the block. */
    REJECT,
    /** Replace the document with a short text placeholder saying a PDF was omitted. */
    PLACEHOLDER
}
