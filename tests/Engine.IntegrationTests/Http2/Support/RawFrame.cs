using Engine.Protocols.Http2;

namespace Engine.IntegrationTests.Http2.Support;

/// <summary>A frame read by <see cref="RawH2Client"/>, copied out of the socket buffer.</summary>
internal sealed record RawFrame(Http2FrameType Type, Http2FrameFlags Flags, int StreamId, byte[] Payload)
{
    /// <summary>HEADERS: the decoded response head (every block is decoded on arrival to keep HPACK in step).</summary>
    public Engine.Protocols.Http.HttpResponseHead? Head { get; init; }

    /// <summary>HEADERS: the decoder's verdict on the block.</summary>
    public Http2Error HeadError { get; init; }

    public bool EndStream => Type is Http2FrameType.Data or Http2FrameType.Headers && (Flags & Http2FrameFlags.EndStream) != 0;

    public bool IsAck => Type is Http2FrameType.Settings or Http2FrameType.Ping && (Flags & Http2FrameFlags.Ack) != 0;

    /// <summary>RST_STREAM and GOAWAY: the error code.</summary>
    public Http2ErrorCode ErrorCode => Type switch
    {
        Http2FrameType.RstStream => (Http2ErrorCode)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Payload),
        Http2FrameType.GoAway => (Http2ErrorCode)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Payload.AsSpan(4)),
        _ => Http2ErrorCode.NoError,
    };

    /// <summary>GOAWAY: the last stream identifier.</summary>
    public int LastStreamId => (int)(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Payload) & 0x7FFF_FFFF);

    /// <summary>WINDOW_UPDATE: the increment.</summary>
    public int WindowIncrement => (int)(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Payload) & 0x7FFF_FFFF);

    /// <summary>GOAWAY: the debug data as text.</summary>
    public string DebugData => Type == Http2FrameType.GoAway ? System.Text.Encoding.ASCII.GetString(Payload, 8, Payload.Length - 8) : string.Empty;

    public override string ToString() => $"{Type} flags={Flags} stream={StreamId} length={Payload.Length}"
        + (Type is Http2FrameType.RstStream or Http2FrameType.GoAway ? $" code={ErrorCode} {DebugData}" : string.Empty);
}
