namespace Engine.Protocols.Http2;

/// <summary>
/// The one table from an <see cref="Http2Error"/> to what the peer is told (STYLE habit 2): its
/// scope (RFC 9113 §5.4: connection error → GOAWAY and close; stream error → RST_STREAM), the
/// error code on the wire (§7), the HTTP status a request still gets when a response can be sent
/// instead of a bare reset, and a stable ASCII detail for the access log.
/// </summary>
public static class Http2ErrorTable
{
    /// <summary>
    /// Whether the error ends the whole connection. Stream errors are the malformed-message ones
    /// (§8.1.1), per-stream limits and per-stream frame rules; everything that could desynchronise
    /// the connection (framing, HPACK state, connection flow control, floods) is a connection error.
    /// </summary>
    public static bool IsConnectionError(Http2Error error) => error switch
    {
        Http2Error.None => false,
        Http2Error.StreamDependsOnItself or Http2Error.PriorityLength or Http2Error.WindowUpdateZeroOnStream
            or Http2Error.StreamWindowOverflow or Http2Error.StreamFlowControlExceeded or Http2Error.StreamClosed
            or Http2Error.TooManyStreams or Http2Error.HeaderListTooLarge or Http2Error.TooManyHeaders => false,
        >= Http2Error.InvalidHeaderName and <= Http2Error.TrailersWithoutEndStream => false,
        _ => true,
    };

    /// <summary>The RST_STREAM or GOAWAY code for the error.</summary>
    public static Http2ErrorCode CodeFor(Http2Error error) => error switch
    {
        Http2Error.None => Http2ErrorCode.NoError,
        Http2Error.FrameTooLarge or Http2Error.PaddedFrameTooShort or Http2Error.HeadersTooShortForPriority
            or Http2Error.PriorityLength or Http2Error.RstStreamLength or Http2Error.SettingsLength
            or Http2Error.SettingsAckWithPayload or Http2Error.PingLength or Http2Error.GoAwayLength
            or Http2Error.WindowUpdateLength => Http2ErrorCode.FrameSizeError,
        Http2Error.SettingsInitialWindowTooLarge or Http2Error.ConnectionWindowOverflow or Http2Error.StreamWindowOverflow
            or Http2Error.SettingsWindowOverflow or Http2Error.ConnectionFlowControlExceeded
            or Http2Error.StreamFlowControlExceeded => Http2ErrorCode.FlowControlError,
        Http2Error.StreamClosed => Http2ErrorCode.StreamClosed,

        // §5.1.2: REFUSED_STREAM tells the client the request was not processed and may be retried.
        Http2Error.TooManyStreams => Http2ErrorCode.RefusedStream,
        >= Http2Error.HpackTruncated and <= Http2Error.HpackMissingSizeUpdate => Http2ErrorCode.CompressionError,
        >= Http2Error.HeaderBlockTooLarge => Http2ErrorCode.EnhanceYourCalm,
        _ => Http2ErrorCode.ProtocolError,
    };

    /// <summary>
    /// The status for a request refused with this stream error when the session answers with a
    /// response rather than a reset: 431 for the decoded-size limits (robustness.md §3.3), 400 for
    /// a malformed request. 0 for connection errors and the stream errors that only a reset fits.
    /// </summary>
    public static int StatusFor(Http2Error error) => error switch
    {
        Http2Error.HeaderListTooLarge or Http2Error.TooManyHeaders => 431,
        >= Http2Error.InvalidHeaderName and <= Http2Error.TrailersWithoutEndStream => 400,
        _ => 0,
    };

    /// <summary>Stable detail for access logs, in the style of Envoy's <c>http2.*</c> response-code details.</summary>
    public static ReadOnlySpan<byte> Describe(Http2Error error) => error switch
    {
        Http2Error.None => "ok"u8,
        Http2Error.InvalidPreface => "http2.invalid_preface"u8,
        Http2Error.FirstFrameNotSettings => "http2.first_frame_not_settings"u8,
        Http2Error.FrameTooLarge => "http2.frame_too_large"u8,
        Http2Error.PaddedFrameTooShort => "http2.padded_frame_too_short"u8,
        Http2Error.PaddingTooLong => "http2.padding_too_long"u8,
        Http2Error.DataOnStreamZero => "http2.data_on_stream_zero"u8,
        Http2Error.HeadersOnStreamZero => "http2.headers_on_stream_zero"u8,
        Http2Error.PriorityOnStreamZero => "http2.priority_on_stream_zero"u8,
        Http2Error.RstStreamOnStreamZero => "http2.rst_stream_on_stream_zero"u8,
        Http2Error.ContinuationOnStreamZero => "http2.continuation_on_stream_zero"u8,
        Http2Error.SettingsOnStream => "http2.settings_on_stream"u8,
        Http2Error.PingOnStream => "http2.ping_on_stream"u8,
        Http2Error.GoAwayOnStream => "http2.goaway_on_stream"u8,
        Http2Error.HeadersTooShortForPriority => "http2.headers_too_short"u8,
        Http2Error.PriorityLength => "http2.priority_length"u8,
        Http2Error.RstStreamLength => "http2.rst_stream_length"u8,
        Http2Error.SettingsLength => "http2.settings_length"u8,
        Http2Error.SettingsAckWithPayload => "http2.settings_ack_with_payload"u8,
        Http2Error.PingLength => "http2.ping_length"u8,
        Http2Error.GoAwayLength => "http2.goaway_length"u8,
        Http2Error.WindowUpdateLength => "http2.window_update_length"u8,
        Http2Error.StreamDependsOnItself => "http2.stream_depends_on_itself"u8,
        Http2Error.SettingsInvalidEnablePush => "http2.settings_invalid_enable_push"u8,
        Http2Error.SettingsInitialWindowTooLarge => "http2.settings_initial_window_too_large"u8,
        Http2Error.SettingsInvalidMaxFrameSize => "http2.settings_invalid_max_frame_size"u8,
        Http2Error.SettingsInvalidFlag => "http2.settings_invalid_flag"u8,
        Http2Error.ServerEnabledPush => "http2.server_enabled_push"u8,
        Http2Error.PushPromiseReceived => "http2.push_promise_received"u8,
        Http2Error.WindowUpdateZeroOnConnection => "http2.window_update_zero_connection"u8,
        Http2Error.WindowUpdateZeroOnStream => "http2.window_update_zero_stream"u8,
        Http2Error.ConnectionWindowOverflow => "http2.connection_window_overflow"u8,
        Http2Error.StreamWindowOverflow => "http2.stream_window_overflow"u8,
        Http2Error.SettingsWindowOverflow => "http2.settings_window_overflow"u8,
        Http2Error.ConnectionFlowControlExceeded => "http2.connection_flow_control_exceeded"u8,
        Http2Error.StreamFlowControlExceeded => "http2.stream_flow_control_exceeded"u8,
        Http2Error.UnexpectedContinuation => "http2.unexpected_continuation"u8,
        Http2Error.HeaderBlockInterrupted => "http2.header_block_interrupted"u8,
        Http2Error.FrameOnIdleStream => "http2.frame_on_idle_stream"u8,
        Http2Error.InvalidStreamId => "http2.invalid_stream_id"u8,
        Http2Error.StreamClosed => "http2.stream_closed"u8,
        Http2Error.TooManyStreams => "http2.too_many_streams"u8,
        Http2Error.HpackTruncated => "http2.hpack_truncated"u8,
        Http2Error.HpackIntegerOverflow => "http2.hpack_integer_overflow"u8,
        Http2Error.HpackInvalidIndex => "http2.hpack_invalid_index"u8,
        Http2Error.HpackInvalidHuffman => "http2.hpack_invalid_huffman"u8,
        Http2Error.HpackSizeUpdateTooLarge => "http2.hpack_size_update_too_large"u8,
        Http2Error.HpackSizeUpdateNotFirst => "http2.hpack_size_update_not_first"u8,
        Http2Error.HpackTooManySizeUpdates => "http2.hpack_too_many_size_updates"u8,
        Http2Error.HpackMissingSizeUpdate => "http2.hpack_missing_size_update"u8,
        Http2Error.HeaderListTooLarge => "http2.headers_too_large"u8,
        Http2Error.TooManyHeaders => "http2.too_many_headers"u8,
        Http2Error.InvalidHeaderName => "http2.invalid_header_name"u8,
        Http2Error.InvalidHeaderValue => "http2.invalid_header_value"u8,
        Http2Error.ConnectionSpecificHeader => "http2.connection_specific_header"u8,
        Http2Error.InvalidTe => "http2.invalid_te"u8,
        Http2Error.UnknownPseudoHeader => "http2.unknown_pseudo_header"u8,
        Http2Error.ResponsePseudoHeaderInRequest => "http2.response_pseudo_header_in_request"u8,
        Http2Error.RequestPseudoHeaderInResponse => "http2.request_pseudo_header_in_response"u8,
        Http2Error.DuplicatePseudoHeader => "http2.duplicate_pseudo_header"u8,
        Http2Error.PseudoHeaderAfterRegular => "http2.pseudo_header_after_regular"u8,
        Http2Error.PseudoHeaderInTrailers => "http2.pseudo_header_in_trailers"u8,
        Http2Error.MissingPseudoHeader => "http2.missing_pseudo_header"u8,
        Http2Error.InvalidMethod => "http2.invalid_method"u8,
        Http2Error.InvalidScheme => "http2.invalid_scheme"u8,
        Http2Error.InvalidPath => "http2.invalid_path"u8,
        Http2Error.InvalidAuthority => "http2.invalid_authority"u8,
        Http2Error.MissingAuthority => "http2.missing_authority"u8,
        Http2Error.InvalidConnect => "http2.invalid_connect"u8,
        Http2Error.InvalidStatus => "http2.invalid_status"u8,
        Http2Error.InvalidContentLength => "http2.invalid_content_length"u8,
        Http2Error.ContentLengthMismatch => "http2.content_length_mismatch"u8,
        Http2Error.TrailersWithoutEndStream => "http2.trailers_without_end_stream"u8,
        Http2Error.HeaderBlockTooLarge => "http2.header_block_too_large"u8,
        Http2Error.TooManyContinuationFrames => "http2.too_many_continuations"u8,
        Http2Error.EmptyFrameFlood => "http2.inbound_empty_frames_flood"u8,
        Http2Error.PriorityFlood => "http2.inbound_priority_frames_flood"u8,
        Http2Error.WindowUpdateFlood => "http2.inbound_window_update_frames_flood"u8,
        Http2Error.OutboundFrameFlood => "http2.outbound_flood"u8,
        Http2Error.OutboundControlFrameFlood => "http2.outbound_control_flood"u8,
        Http2Error.RapidReset => "http2.premature_resets"u8,
        Http2Error.TooManyResetStreamsInFlight => "http2.too_many_reset_streams"u8,
        _ => "http2.codec_error"u8,
    };
}
