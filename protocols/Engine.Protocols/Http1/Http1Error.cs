namespace Engine.Protocols.Http1;

/// <summary>
/// Why an HTTP/1.x message was rejected. Every parser reports through this one enum, and
/// <see cref="Http1ErrorStatus"/> is the one table that turns it into a status and a phrase.
/// </summary>
public enum Http1Error : byte
{
    None = 0,

    // Line structure (RFC 9112 §2.2).
    BareLineFeed,
    BareCarriageReturn,

    // Start lines (RFC 9112 §3, §4).
    InvalidRequestLine,
    InvalidRequestTarget,
    UnsupportedVersion,
    RequestLineTooLong,
    InvalidStatusLine,

    // Field section (RFC 9112 §5, RFC 9110 §5).
    HeadersTooLarge,
    TooManyHeaders,
    InvalidHeaderName,
    InvalidHeaderValue,
    ObsFold,

    // Framing (RFC 9112 §6).
    ContentLengthAndTransferEncoding,
    DuplicateContentLength,
    InvalidContentLength,
    InvalidTransferEncoding,
    TransferEncodingNotChunked,
    ChunkedAppliedTwice,
    UnsupportedTransferEncoding,
    TransferEncodingInHttp10,

    // Host (RFC 9112 §3.2).
    InvalidHost,
    MissingHost,
    MultipleHost,

    // Requests that cannot carry content (RFC 9110 §9.3.6, §7.8).
    UpgradeWithBody,
    ConnectWithBody,

    // Chunked coding (RFC 9112 §7.1).
    InvalidChunkSize,
    InvalidChunkExtension,
    ChunkExtensionTooLong,
    InvalidChunkTerminator,

    // Path normalisation before routing (Istio pathNormalization BASE).
    InvalidPath,
}
