using System.Buffers;
using Engine.Protocols.Http2;
using static Engine.Protocols.Tests.Http1.Sequences;

namespace Engine.Protocols.Tests.Http2;

/// <summary>Builds raw frames (valid or not) and reads them back the three ways the style asks for.</summary>
internal static class Frames
{
    public static byte[] Raw(Http2FrameType type, Http2FrameFlags flags, int streamId, params byte[] payload)
        => Raw((byte)type, (byte)flags, streamId, payload);

    public static byte[] Raw(byte type, byte flags, int streamId, params byte[] payload)
    {
        var frame = new byte[Http2FrameHeader.Size + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        frame[5] = (byte)(streamId >> 24);
        frame[6] = (byte)(streamId >> 16);
        frame[7] = (byte)(streamId >> 8);
        frame[8] = (byte)streamId;
        payload.CopyTo(frame, Http2FrameHeader.Size);
        return frame;
    }

    public static byte[] Written(Action<ArrayBufferWriter<byte>> write)
    {
        var writer = new ArrayBufferWriter<byte>();
        write(writer);
        return writer.WrittenSpan.ToArray();
    }

    public static Http2ReadStatus Read(byte[] data, out Http2Frame frame, out Http2Error error, int maxFrameSize = 16_384)
        => Read(Whole(data), out frame, out error, out _, maxFrameSize);

    public static Http2ReadStatus Read(ReadOnlySequence<byte> data, out Http2Frame frame, out Http2Error error, out long consumed, int maxFrameSize = 16_384)
    {
        var status = Http2FrameReader.TryReadFrame(data, maxFrameSize, out frame, out var position, out error);
        consumed = Offset(data, position);
        return status;
    }

    /// <summary>
    /// Reads <paramref name="data"/> whole and one byte per segment (same outcome, payload and
    /// consumed), and checks every strict prefix is Incomplete with nothing consumed — unless the
    /// header alone already shows a connection error, which must then be reported from 9 bytes on.
    /// </summary>
    public static Http2ReadStatus ReadAllWays(byte[] data, out Http2Frame frame, out Http2Error error, int maxFrameSize = 16_384)
    {
        var status = Read(Whole(data), out frame, out error, out var consumed, maxFrameSize);
        var splitStatus = Read(OneBytePerSegment(data), out var splitFrame, out var splitError, out var splitConsumed, maxFrameSize);
        Assert.Equal(status, splitStatus);
        Assert.Equal(error, splitError);
        Assert.Equal(consumed, splitConsumed);
        Assert.Equal(frame.Payload.ToArray(), splitFrame.Payload.ToArray());

        for (var length = 0; length < data.Length; length++)
        {
            var prefix = Read(Whole(data[..length]), out _, out var prefixError, out var prefixConsumed, maxFrameSize);
            Assert.Equal(0, prefixConsumed);
            if (prefix != Http2ReadStatus.Incomplete)
            {
                Assert.Equal(Http2ReadStatus.ConnectionError, status);
                Assert.Equal(error, prefixError);
                Assert.True(length >= Http2FrameHeader.Size);
            }
        }

        if (status is Http2ReadStatus.Frame or Http2ReadStatus.StreamError)
        {
            Assert.Equal(data.Length, consumed);
        }
        else
        {
            Assert.Equal(0, consumed);
        }

        return status;
    }

    public static byte[] UInt32(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    public static byte[] Setting(Http2SettingsParameter parameter, uint value)
        => [(byte)((ushort)parameter >> 8), (byte)parameter, .. UInt32(value)];
}
