namespace Engine.Protocols.Http2;

/// <summary>
/// Why an HTTP/2 frame, field block or stream was refused. Every part of the codec reports through
/// this one enum; <see cref="Http2ErrorTable"/> is the one table that says whether it is a
/// connection error (GOAWAY, then close) or a stream error (RST_STREAM, keep going), which code
/// goes on the wire, and which HTTP status a request gets when one can still be sent.
/// </summary>
public enum Http2Error : byte
{
    None = 0,

    // Connection preface (RFC 9113 §3.4).
    InvalidPreface,
    FirstFrameNotSettings,

    // Frame size (§4.2).
    FrameTooLarge,
    PaddedFrameTooShort,

    // Padding (§6.1, §6.2).
    PaddingTooLong,

    // Stream identifiers a frame type requires (§6.x: "MUST be associated with a stream" / "with stream 0").
    DataOnStreamZero,
    HeadersOnStreamZero,
    PriorityOnStreamZero,
    RstStreamOnStreamZero,
    ContinuationOnStreamZero,
    SettingsOnStream,
    PingOnStream,
    GoAwayOnStream,

    // Fixed payload lengths (§6.3–§6.9).
    HeadersTooShortForPriority,
    PriorityLength,
    RstStreamLength,
    SettingsLength,
    SettingsAckWithPayload,
    PingLength,
    GoAwayLength,
    WindowUpdateLength,

    // Priority (§5.3.1).
    StreamDependsOnItself,

    // SETTINGS values (§6.5.2, RFC 8441 §3, RFC 9218 §2.1).
    SettingsInvalidEnablePush,
    SettingsInitialWindowTooLarge,
    SettingsInvalidMaxFrameSize,
    SettingsInvalidFlag,
    ServerEnabledPush,

    // Server push is never enabled (§6.6, §8.4).
    PushPromiseReceived,

    // WINDOW_UPDATE and flow control (§6.9).
    WindowUpdateZeroOnConnection,
    WindowUpdateZeroOnStream,
    ConnectionWindowOverflow,
    StreamWindowOverflow,
    SettingsWindowOverflow,
    ConnectionFlowControlExceeded,
    StreamFlowControlExceeded,

    // Field block framing (§4.3, §6.10).
    UnexpectedContinuation,
    HeaderBlockInterrupted,

    // Stream states and identifiers (§5.1, §5.1.1, §5.1.2).
    FrameOnIdleStream,
    InvalidStreamId,
    StreamClosed,
    TooManyStreams,

    // HPACK decoding (RFC 7541; RFC 9113 §4.3: COMPRESSION_ERROR on the connection).
    HpackTruncated,
    HpackIntegerOverflow,
    HpackInvalidIndex,
    HpackInvalidHuffman,
    HpackSizeUpdateTooLarge,
    HpackSizeUpdateNotFirst,
    HpackTooManySizeUpdates,
    HpackMissingSizeUpdate,

    // Decoded field section limits (robustness.md §2.3 HPACK bomb; the request is answered 431).
    HeaderListTooLarge,
    TooManyHeaders,

    // Field validity (§8.2.1, §8.2.2): the message is malformed (§8.1.1).
    InvalidHeaderName,
    InvalidHeaderValue,
    ConnectionSpecificHeader,
    InvalidTe,

    // Pseudo-header fields (§8.3).
    UnknownPseudoHeader,
    ResponsePseudoHeaderInRequest,
    RequestPseudoHeaderInResponse,
    DuplicatePseudoHeader,
    PseudoHeaderAfterRegular,
    PseudoHeaderInTrailers,
    MissingPseudoHeader,
    InvalidMethod,
    InvalidScheme,
    InvalidPath,
    InvalidAuthority,
    MissingAuthority,
    InvalidConnect,
    InvalidStatus,

    // Message framing (§8.1).
    InvalidContentLength,
    ContentLengthMismatch,
    TrailersWithoutEndStream,

    // Flood defences (robustness.md §2.3): the connection is closed with ENHANCE_YOUR_CALM.
    HeaderBlockTooLarge,
    TooManyContinuationFrames,
    EmptyFrameFlood,
    PriorityFlood,
    WindowUpdateFlood,
    OutboundFrameFlood,
    OutboundControlFrameFlood,
    RapidReset,
    TooManyResetStreamsInFlight,
}
