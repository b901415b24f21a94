using System.Buffers;
using Engine.Protocols.Http2;
using static Engine.Protocols.Tests.Http2.Frames;

namespace Engine.Protocols.Tests.Http2;

/// <summary>Every writer's output read back by the reader, byte layouts for the fixed frames, and splitting.</summary>
public class Http2FrameWriterTests
{
    [Fact]
    public void FrameHeader_RoundTrip_24BitLength()
    {
        var header = new Http2FrameHeader(Http2FrameHeader.MaxLength, Http2FrameType.Headers, Http2FrameFlags.EndHeaders, int.MaxValue);
        var bytes = new byte[9];
        header.Write(bytes);
        Assert.Equal("ffffff01047fffffff", Convert.ToHexStringLower(bytes));
        Assert.Equal(header, Http2FrameHeader.Read(bytes));
    }

    [Fact]
    public void FrameHeader_Write_RejectsOversizedLength()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new Http2FrameHeader(1 << 24, Http2FrameType.Data, 0, 1).Write(new byte[9]));

    [Fact]
    public void RstStream_Bytes() => Assert.Equal(
        "000004030000000005" + "00000008",
        Convert.ToHexStringLower(Written(w => Http2FrameWriter.WriteRstStream(w, 5, Http2ErrorCode.Cancel))));

    [Fact]
    public void WindowUpdate_Bytes_AndRejectsZero()
    {
        Assert.Equal("000004080000000000" + "7fffffff", Convert.ToHexStringLower(Written(w => Http2FrameWriter.WriteWindowUpdate(w, 0, int.MaxValue))));
        Assert.Throws<ArgumentOutOfRangeException>(() => Written(w => Http2FrameWriter.WriteWindowUpdate(w, 1, 0)));
    }

    [Fact]
    public void Ping_AndAck_RoundTrip()
    {
        Assert.Equal(Http2ReadStatus.Frame, Read(Written(w => Http2FrameWriter.WritePing(w, 0xDEADBEEF, ack: true)), out var frame, out _));
        Assert.True(frame.IsAck);
        Assert.Equal(0xDEADBEEFUL, frame.PingData);
    }

    [Fact]
    public void SettingsAck_Bytes() => Assert.Equal("000000040100000000", Convert.ToHexStringLower(Written(Http2FrameWriter.WriteSettingsAck)));

    [Fact]
    public void GoAway_RoundTrip_WithDebugData()
    {
        Assert.Equal(Http2ReadStatus.Frame, Read(Written(w => Http2FrameWriter.WriteGoAway(w, 41, Http2ErrorCode.EnhanceYourCalm, Http2ErrorTable.Describe(Http2Error.RapidReset))), out var frame, out _));
        Assert.Equal(41, frame.LastStreamId);
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, frame.ErrorCode);
        Assert.Equal("http2.premature_resets"u8.ToArray(), frame.Payload.ToArray());
    }

    [Fact]
    public void Priority_RoundTrip()
    {
        Assert.Equal(Http2ReadStatus.Frame, Read(Written(w => Http2FrameWriter.WritePriority(w, 5, 3, exclusive: true, 255)), out var frame, out _));
        Assert.Equal((5, 3, true, (byte)255), (frame.StreamId, frame.StreamDependency, frame.Exclusive, frame.Weight));
    }

    [Fact]
    public void Settings_FromLimits_OnlyNonDefaults_PushAlwaysOff()
    {
        var data = Written(w => Http2FrameWriter.WriteSettings(w, Http2Settings.FromLimits(Http2Limits.Default)));
        Assert.Equal(Http2ReadStatus.Frame, Read(data, out var frame, out _));
        var settings = new List<Http2Setting>();
        foreach (var setting in frame.Settings)
        {
            settings.Add(setting);
        }

        Assert.Equal(
            [
                new(Http2SettingsParameter.EnablePush, 0),
                new(Http2SettingsParameter.MaxConcurrentStreams, 100),
                new(Http2SettingsParameter.InitialWindowSize, 1024 * 1024),
            ],
            settings);
    }

    [Fact]
    public void Data_SplitAtMaxFrameSize_EndStreamOnLastOnly()
    {
        var body = new byte[40_000];
        new Random(1).NextBytes(body);
        var frames = ReadAll(Written(w => Http2FrameWriter.WriteData(w, 3, new ReadOnlySequence<byte>(body), endStream: true, 16_384)));

        Assert.Equal([16_384, 16_384, 7232], frames.Select(f => f.Length));
        Assert.Equal([false, false, true], frames.Select(f => f.EndStream));
        Assert.Equal(body, frames.SelectMany(f => f.Payload).ToArray());
    }

    [Fact]
    public void Data_Empty_WithEndStream_IsOneEmptyFrame()
    {
        var frames = ReadAll(Written(w => Http2FrameWriter.WriteData(w, 1, ReadOnlySequence<byte>.Empty, endStream: true, 16_384)));
        Assert.Single(frames);
        Assert.True(frames[0].EndStream);
        Assert.Equal(0, frames[0].Length);
    }

    [Fact]
    public void Headers_SplitIntoContinuations_EndStreamOnHeadersEndHeadersOnLast()
    {
        var block = new byte[35_000];
        new Random(2).NextBytes(block);
        var frames = ReadAll(Written(w => Http2FrameWriter.WriteHeaders(w, 7, block, endStream: true, 16_384)));

        Assert.Equal([Http2FrameType.Headers, Http2FrameType.Continuation, Http2FrameType.Continuation], frames.Select(f => f.Type));
        Assert.Equal([true, false, false], frames.Select(f => f.Header.HasFlag(Http2FrameFlags.EndStream)));
        Assert.Equal([false, false, true], frames.Select(f => f.EndHeaders));
        Assert.Equal(block, frames.SelectMany(f => f.Payload).ToArray());
    }

    [Fact]
    public void WriteFrame_AnyTypeAndFlags()
    {
        Assert.Equal("000002fa0f00000009abcd", Convert.ToHexStringLower(Written(w => Http2FrameWriter.WriteFrame(w, (Http2FrameType)0xFA, (Http2FrameFlags)0x0F, 9, [0xAB, 0xCD]))));
    }

    /// <summary>Frames read back with their payloads copied (the buffer they point into is a local).</summary>
    internal static List<(Http2FrameType Type, Http2FrameHeader Header, int Length, bool EndStream, bool EndHeaders, byte[] Payload, int StreamId)> ReadAll(byte[] data)
    {
        var frames = new List<(Http2FrameType, Http2FrameHeader, int, bool, bool, byte[], int)>();
        var buffer = new ReadOnlySequence<byte>(data);
        while (!buffer.IsEmpty)
        {
            Assert.Equal(Http2ReadStatus.Frame, Http2FrameReader.TryReadFrame(buffer, 16_384, out var frame, out var consumed, out _));
            frames.Add((frame.Type, frame.Header, frame.Length, frame.EndStream, frame.EndHeaders, frame.Payload.ToArray(), frame.StreamId));
            buffer = buffer.Slice(consumed);
        }

        return frames;
    }
}
