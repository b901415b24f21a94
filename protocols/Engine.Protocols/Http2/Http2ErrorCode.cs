namespace Engine.Protocols.Http2;

/// <summary>
/// Error codes carried by RST_STREAM and GOAWAY (RFC 9113 §7). Unknown codes received from a peer
/// keep their number and MUST NOT trigger special behaviour (§7).
/// </summary>
public enum Http2ErrorCode : uint
{
    NoError = 0x0,
    ProtocolError = 0x1,
    InternalError = 0x2,
    FlowControlError = 0x3,
    SettingsTimeout = 0x4,
    StreamClosed = 0x5,
    FrameSizeError = 0x6,
    RefusedStream = 0x7,
    Cancel = 0x8,
    CompressionError = 0x9,
    ConnectError = 0xA,
    EnhanceYourCalm = 0xB,
    InadequateSecurity = 0xC,
    Http11Required = 0xD,
}
