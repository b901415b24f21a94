namespace Engine.Protocols.Http1;

/// <summary>
/// The one table from a rejection reason to what the peer is told (STYLE habit 2). Statuses are
/// the ones RFC 9110/9112 and Envoy give a downstream client; any error of the response parser is
/// answered 502 by the proxy regardless (RFC 9112 §6.3 rule 5), which is why the response-only
/// reasons map to 502 here. Phrases follow Envoy's <c>http1.*</c> response-code details so access
/// logs read the same; they are stable and ASCII.
/// </summary>
public static class Http1ErrorStatus
{
    public static int StatusFor(Http1Error error) => error switch
    {
        Http1Error.None => 200,
        Http1Error.RequestLineTooLong => 414,
        Http1Error.HeadersTooLarge or Http1Error.TooManyHeaders => 431,
        Http1Error.UnsupportedTransferEncoding => 501,
        Http1Error.UnsupportedVersion => 505,
        Http1Error.ChunkExtensionTooLong => 413,
        Http1Error.InvalidStatusLine => 502,
        _ => 400,
    };

    public static ReadOnlySpan<byte> Describe(Http1Error error) => error switch
    {
        Http1Error.None => "ok"u8,
        Http1Error.BareLineFeed => "http1.bare_lf"u8,
        Http1Error.BareCarriageReturn => "http1.bare_cr"u8,
        Http1Error.InvalidRequestLine => "http1.invalid_request_line"u8,
        Http1Error.InvalidRequestTarget => "http1.invalid_url"u8,
        Http1Error.UnsupportedVersion => "http1.unsupported_version"u8,
        Http1Error.RequestLineTooLong => "http1.request_line_too_long"u8,
        Http1Error.InvalidStatusLine => "http1.invalid_status_line"u8,
        Http1Error.HeadersTooLarge => "http1.headers_too_large"u8,
        Http1Error.TooManyHeaders => "http1.too_many_headers"u8,
        Http1Error.InvalidHeaderName => "http1.invalid_header_name"u8,
        Http1Error.InvalidHeaderValue => "http1.invalid_characters"u8,
        Http1Error.ObsFold => "http1.obs_fold"u8,
        Http1Error.ContentLengthAndTransferEncoding => "http1.content_length_and_chunked_not_allowed"u8,
        Http1Error.DuplicateContentLength => "http1.duplicate_content_length"u8,
        Http1Error.InvalidContentLength => "http1.invalid_content_length"u8,
        Http1Error.InvalidTransferEncoding => "http1.invalid_transfer_encoding"u8,
        Http1Error.TransferEncodingNotChunked => "http1.transfer_encoding_not_chunked"u8,
        Http1Error.ChunkedAppliedTwice => "http1.chunked_applied_twice"u8,
        Http1Error.UnsupportedTransferEncoding => "http1.unsupported_transfer_encoding"u8,
        Http1Error.TransferEncodingInHttp10 => "http1.transfer_encoding_not_allowed"u8,
        Http1Error.InvalidHost => "http1.invalid_host"u8,
        Http1Error.MissingHost => "http1.missing_host"u8,
        Http1Error.MultipleHost => "http1.multiple_host"u8,
        Http1Error.UpgradeWithBody => "http1.upgrade_with_body"u8,
        Http1Error.ConnectWithBody => "http1.connect_with_body"u8,
        Http1Error.InvalidChunkSize => "http1.invalid_chunk_size"u8,
        Http1Error.InvalidChunkExtension => "http1.invalid_chunk_extension"u8,
        Http1Error.ChunkExtensionTooLong => "http1.chunk_extension_too_long"u8,
        Http1Error.InvalidChunkTerminator => "http1.invalid_chunk_terminator"u8,
        Http1Error.InvalidPath => "path_normalization_failed"u8,
        _ => "http1.codec_error"u8,
    };
}
