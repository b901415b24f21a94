using System.Buffers;
using System.Buffers.Binary;

namespace Engine.Protocols.Http2;

/// <summary>
/// Writes frames (RFC 9113 §6) into a pipe or a span without allocating. We never send padding
/// (it only hides lengths, which a sidecar on a pod-local link has no use for), never PUSH_PROMISE
/// (push is off both ways), and always 0 in reserved bits.
/// </summary>
public static class Http2FrameWriter
{
    public const int RstStreamLength = Http2FrameHeader.Size + 4;
    public const int WindowUpdateLength = Http2FrameHeader.Size + 4;
    public const int PingLength = Http2FrameHeader.Size + 8;
    public const int SettingsAckLength = Http2FrameHeader.Size;
    public const int PriorityLength = Http2FrameHeader.Size + 5;

    /// <summary>Any frame from its parts, unchecked (extension frames, and test peers that must send invalid ones).</summary>
    public static void WriteFrame(IBufferWriter<byte> writer, Http2FrameType type, Http2FrameFlags flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var span = writer.GetSpan(Http2FrameHeader.Size + payload.Length);
        new Http2FrameHeader(payload.Length, type, flags, streamId).Write(span);
        payload.CopyTo(span[Http2FrameHeader.Size..]);
        writer.Advance(Http2FrameHeader.Size + payload.Length);
    }

    /// <summary>
    /// The header of a DATA frame whose <paramref name="length"/> payload bytes the caller writes next
    /// (straight from the source pipe). Flow control and max frame size are the caller's to respect.
    /// </summary>
    public static void WriteDataHeader(IBufferWriter<byte> writer, int streamId, int length, bool endStream)
    {
        new Http2FrameHeader(length, Http2FrameType.Data, endStream ? Http2FrameFlags.EndStream : Http2FrameFlags.None, streamId)
            .Write(writer.GetSpan(Http2FrameHeader.Size));
        writer.Advance(Http2FrameHeader.Size);
    }

    /// <summary>
    /// <paramref name="data"/> as DATA frames of at most <paramref name="maxFrameSize"/> bytes, END_STREAM on
    /// the last when <paramref name="endStream"/>; empty data with END_STREAM is one empty frame.
    /// </summary>
    public static void WriteData(IBufferWriter<byte> writer, int streamId, in ReadOnlySequence<byte> data, bool endStream, int maxFrameSize)
    {
        var rest = data;
        do
        {
            var length = (int)Math.Min(rest.Length, maxFrameSize);
            var last = length == rest.Length;
            var flags = endStream && last ? Http2FrameFlags.EndStream : Http2FrameFlags.None;
            var span = writer.GetSpan(Http2FrameHeader.Size);
            var first = rest.FirstSpan;
            if (first.Length >= length && span.Length >= Http2FrameHeader.Size + length)
            {
                // Header and payload in the room the writer has now: one Advance, not two (each
                // is a lock round trip in a Pipe; a small answer is one such frame).
                new Http2FrameHeader(length, Http2FrameType.Data, flags, streamId).Write(span);
                first[..length].CopyTo(span[Http2FrameHeader.Size..]);
                writer.Advance(Http2FrameHeader.Size + length);
                rest = rest.Slice(length);
                continue;
            }

            new Http2FrameHeader(length, Http2FrameType.Data, flags, streamId).Write(span);
            writer.Advance(Http2FrameHeader.Size);
            foreach (var segment in rest.Slice(0, length))
            {
                writer.Write(segment.Span);
            }

            rest = rest.Slice(length);
        }
        while (!rest.IsEmpty);
    }

    /// <summary>
    /// An encoded field block as one HEADERS frame, or HEADERS + CONTINUATION frames of at most
    /// <paramref name="maxFrameSize"/> each (§4.3: contiguous, END_HEADERS on the last; END_STREAM
    /// belongs to the HEADERS frame, §6.2).
    /// </summary>
    public static void WriteHeaders(IBufferWriter<byte> writer, int streamId, ReadOnlySpan<byte> block, bool endStream, int maxFrameSize)
    {
        var type = Http2FrameType.Headers;
        var flags = endStream ? Http2FrameFlags.EndStream : Http2FrameFlags.None;
        do
        {
            var length = Math.Min(block.Length, maxFrameSize);
            if (length == block.Length)
            {
                flags |= Http2FrameFlags.EndHeaders;
            }

            WriteFrame(writer, type, flags, streamId, block[..length]);
            block = block[length..];
            type = Http2FrameType.Continuation;
            flags = Http2FrameFlags.None;
        }
        while (!block.IsEmpty);
    }

    /// <summary>SETTINGS with the given parameters (§6.5), in order.</summary>
    public static void WriteSettings(IBufferWriter<byte> writer, ReadOnlySpan<Http2Setting> settings)
    {
        var length = settings.Length * Http2Setting.Size;
        var span = writer.GetSpan(Http2FrameHeader.Size + length);
        new Http2FrameHeader(length, Http2FrameType.Settings, Http2FrameFlags.None, 0).Write(span);
        var position = Http2FrameHeader.Size;
        foreach (var setting in settings)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span[position..], (ushort)setting.Parameter);
            BinaryPrimitives.WriteUInt32BigEndian(span[(position + 2)..], setting.Value);
            position += Http2Setting.Size;
        }

        writer.Advance(position);
    }

    /// <summary>
    /// Our SETTINGS: every value of <paramref name="local"/> that differs from the RFC's initial value
    /// (§6.5.2), plus ENABLE_PUSH = 0 always, so a peer never has to guess.
    /// </summary>
    public static void WriteSettings(IBufferWriter<byte> writer, in Http2Settings local)
    {
        var defaults = new Http2Settings();
        Span<Http2Setting> settings = stackalloc Http2Setting[7];
        var count = 0;
        AddIfChanged(settings, ref count, Http2SettingsParameter.HeaderTableSize, local.HeaderTableSize, defaults.HeaderTableSize);
        settings[count++] = new Http2Setting(Http2SettingsParameter.EnablePush, local.EnablePush ? 1u : 0u);
        AddIfChanged(settings, ref count, Http2SettingsParameter.MaxConcurrentStreams, local.MaxConcurrentStreams, defaults.MaxConcurrentStreams);
        AddIfChanged(settings, ref count, Http2SettingsParameter.InitialWindowSize, (uint)local.InitialWindowSize, (uint)defaults.InitialWindowSize);
        AddIfChanged(settings, ref count, Http2SettingsParameter.MaxFrameSize, (uint)local.MaxFrameSize, (uint)defaults.MaxFrameSize);
        AddIfChanged(settings, ref count, Http2SettingsParameter.MaxHeaderListSize, local.MaxHeaderListSize, defaults.MaxHeaderListSize);
        WriteSettings(writer, settings[..count]);
    }

    public static int WriteSettingsAck(Span<byte> destination)
    {
        new Http2FrameHeader(0, Http2FrameType.Settings, Http2FrameFlags.Ack, 0).Write(destination);
        return SettingsAckLength;
    }

    public static void WriteSettingsAck(IBufferWriter<byte> writer) => writer.Advance(WriteSettingsAck(writer.GetSpan(SettingsAckLength)));

    /// <summary>PING (§6.7); an ACK echoes the received opaque data.</summary>
    public static int WritePing(Span<byte> destination, ulong data, bool ack)
    {
        new Http2FrameHeader(8, Http2FrameType.Ping, ack ? Http2FrameFlags.Ack : Http2FrameFlags.None, 0).Write(destination);
        BinaryPrimitives.WriteUInt64BigEndian(destination[Http2FrameHeader.Size..], data);
        return PingLength;
    }

    public static void WritePing(IBufferWriter<byte> writer, ulong data, bool ack) => writer.Advance(WritePing(writer.GetSpan(PingLength), data, ack));

    /// <summary>
    /// GOAWAY (§6.8): the highest peer-initiated stream we processed or may process, the code, and
    /// optional debug data (ASCII detail such as <see cref="Http2ErrorTable.Describe"/>).
    /// </summary>
    public static int WriteGoAway(Span<byte> destination, int lastStreamId, Http2ErrorCode code, ReadOnlySpan<byte> debugData)
    {
        new Http2FrameHeader(8 + debugData.Length, Http2FrameType.GoAway, Http2FrameFlags.None, 0).Write(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[Http2FrameHeader.Size..], (uint)lastStreamId & 0x7FFF_FFFF);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(Http2FrameHeader.Size + 4)..], (uint)code);
        debugData.CopyTo(destination[(Http2FrameHeader.Size + 8)..]);
        return Http2FrameHeader.Size + 8 + debugData.Length;
    }

    public static void WriteGoAway(IBufferWriter<byte> writer, int lastStreamId, Http2ErrorCode code, ReadOnlySpan<byte> debugData = default)
        => writer.Advance(WriteGoAway(writer.GetSpan(Http2FrameHeader.Size + 8 + debugData.Length), lastStreamId, code, debugData));

    /// <summary>RST_STREAM (§6.4).</summary>
    public static int WriteRstStream(Span<byte> destination, int streamId, Http2ErrorCode code)
    {
        new Http2FrameHeader(4, Http2FrameType.RstStream, Http2FrameFlags.None, streamId).Write(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[Http2FrameHeader.Size..], (uint)code);
        return RstStreamLength;
    }

    public static void WriteRstStream(IBufferWriter<byte> writer, int streamId, Http2ErrorCode code)
        => writer.Advance(WriteRstStream(writer.GetSpan(RstStreamLength), streamId, code));

    /// <summary>WINDOW_UPDATE (§6.9); stream 0 is the connection window. The increment is 1 to 2^31−1.</summary>
    public static int WriteWindowUpdate(Span<byte> destination, int streamId, int increment)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(increment, 1);
        new Http2FrameHeader(4, Http2FrameType.WindowUpdate, Http2FrameFlags.None, streamId).Write(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[Http2FrameHeader.Size..], (uint)increment);
        return WindowUpdateLength;
    }

    public static void WriteWindowUpdate(IBufferWriter<byte> writer, int streamId, int increment)
        => writer.Advance(WriteWindowUpdate(writer.GetSpan(WindowUpdateLength), streamId, increment));

    /// <summary>PRIORITY (§6.3): deprecated and never needed by the proxy; here for test peers.</summary>
    public static int WritePriority(Span<byte> destination, int streamId, int dependency, bool exclusive, byte weight)
    {
        new Http2FrameHeader(5, Http2FrameType.Priority, Http2FrameFlags.None, streamId).Write(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[Http2FrameHeader.Size..], ((uint)dependency & 0x7FFF_FFFF) | (exclusive ? 0x8000_0000 : 0));
        destination[Http2FrameHeader.Size + 4] = weight;
        return PriorityLength;
    }

    public static void WritePriority(IBufferWriter<byte> writer, int streamId, int dependency, bool exclusive, byte weight)
        => writer.Advance(WritePriority(writer.GetSpan(PriorityLength), streamId, dependency, exclusive, weight));

    private static void AddIfChanged(Span<Http2Setting> settings, ref int count, Http2SettingsParameter parameter, uint value, uint initial)
    {
        if (value != initial)
        {
            settings[count++] = new Http2Setting(parameter, value);
        }
    }
}
