using System.Buffers;

namespace Engine.Protocols.Http2;

/// <summary>
/// One frame as <see cref="Http2FrameReader"/> parsed it: the header, the payload with padding and
/// fixed fields removed (a slice of the input, valid until the reader's buffer is advanced), and the
/// fixed fields of the frame's type. Fields a type does not have are zero.
/// </summary>
public readonly struct Http2Frame
{
    public Http2FrameHeader Header { get; init; }

    /// <summary>
    /// DATA: the data. HEADERS, CONTINUATION: the field block fragment. SETTINGS: the parameters
    /// (<see cref="Settings"/>). GOAWAY: the debug data. Unknown types: the whole payload.
    /// </summary>
    public ReadOnlySequence<byte> Payload { get; init; }

    /// <summary>DATA, HEADERS: padding octets after the payload (the Pad Length byte itself not counted).</summary>
    public int PadLength { get; init; }

    /// <summary>HEADERS with PRIORITY, PRIORITY: the stream this one depends on (deprecated by RFC 9113 §5.3.2; only checked).</summary>
    public int StreamDependency { get; init; }

    public bool Exclusive { get; init; }

    /// <summary>Priority weight as on the wire (0–255 means 1–256).</summary>
    public byte Weight { get; init; }

    /// <summary>RST_STREAM, GOAWAY.</summary>
    public Http2ErrorCode ErrorCode { get; init; }

    /// <summary>GOAWAY: the highest peer-initiated stream the sender may have processed.</summary>
    public int LastStreamId { get; init; }

    /// <summary>WINDOW_UPDATE: 1 to 2^31−1.</summary>
    public int WindowIncrement { get; init; }

    /// <summary>PING: the 8 opaque octets, big-endian; echo them in the ACK.</summary>
    public ulong PingData { get; init; }

    public Http2FrameType Type => Header.Type;

    public int StreamId => Header.StreamId;

    /// <summary>Payload length as on the wire: what DATA costs in flow control, padding included (§6.1).</summary>
    public int Length => Header.Length;

    /// <summary>END_STREAM on DATA or HEADERS.</summary>
    public bool EndStream => Type is Http2FrameType.Data or Http2FrameType.Headers && Header.HasFlag(Http2FrameFlags.EndStream);

    /// <summary>END_HEADERS on HEADERS or CONTINUATION.</summary>
    public bool EndHeaders => Type is Http2FrameType.Headers or Http2FrameType.Continuation && Header.HasFlag(Http2FrameFlags.EndHeaders);

    /// <summary>ACK on SETTINGS or PING.</summary>
    public bool IsAck => Type is Http2FrameType.Settings or Http2FrameType.Ping && Header.HasFlag(Http2FrameFlags.Ack);

    /// <summary>A type RFC 9113 does not define: ignore it (§5.5), unless it interrupts a field block (§6.10).</summary>
    public bool IsUnknownType => Type > Http2FrameType.Continuation;

    /// <summary>The parameters of a SETTINGS frame, in order.</summary>
    public Http2SettingsEnumerator Settings => new(Payload);
}
