using System.Buffers;
using Engine.Protocols.Http2;
using static Engine.Protocols.Tests.Http2.Frames;
using Flags = Engine.Protocols.Http2.Http2FrameFlags;
using Type = Engine.Protocols.Http2.Http2FrameType;

namespace Engine.Protocols.Tests.Http2;

/// <summary>
/// RFC 9113 §4 and §6, grouped like an h2spec suite. Every case is read whole, one byte per segment
/// and as every incomplete prefix (<see cref="Frames.ReadAllWays"/>).
/// </summary>
public class Http2FrameReaderTests
{
    // §4.1 Frame format.
    [Fact]
    public void S4_1_UnknownType_IsAFrameToIgnore()
    {
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(0x20, 0xFF, 3, 1, 2, 3), out var frame, out _));
        Assert.True(frame.IsUnknownType);
        Assert.Equal(new byte[] { 1, 2, 3 }, frame.Payload.ToArray());
    }

    [Fact]
    public void S4_1_UndefinedFlags_AreIgnored()
    {
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.Ping, (Flags)0xFE, 0, new byte[8]), out var frame, out _));
        Assert.False(frame.IsAck);
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.Data, (Flags)0xF6, 1, 7), out frame, out _));
        Assert.False(frame.EndStream);
        Assert.Equal(new byte[] { 7 }, frame.Payload.ToArray());
    }

    [Fact]
    public void S4_1_ReservedStreamBit_IsIgnored()
    {
        var data = Raw(Type.Data, Flags.None, 1, 7);
        data[5] |= 0x80;
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(data, out var frame, out _));
        Assert.Equal(1, frame.StreamId);
    }

    // §4.2 Frame size.
    [Fact]
    public void S4_2_DataAboveMaxFrameSize_ConnectionFrameSizeError_BeforeThePayloadArrives()
    {
        var header = Raw(Type.Data, Flags.None, 1, new byte[16_385])[..9];
        Assert.Equal(Http2ReadStatus.ConnectionError, Read(header, out _, out var error));
        Assert.Equal(Http2Error.FrameTooLarge, error);
        Assert.Equal(Http2ErrorCode.FrameSizeError, Http2ErrorTable.CodeFor(error));
        Assert.True(Http2ErrorTable.IsConnectionError(error));
    }

    [Fact]
    public void S4_2_MaxFrameSize_IsAllowed_AndFollowsOurSetting()
    {
        Assert.Equal(Http2ReadStatus.Frame, Read(Raw(Type.Data, Flags.None, 1, new byte[16_384]), out _, out _));
        Assert.Equal(Http2ReadStatus.Frame, Read(Raw(Type.Data, Flags.None, 1, new byte[20_000]), out _, out _, maxFrameSize: 32_768));
    }

    [Theory]
    [InlineData(Type.Headers)]
    [InlineData(Type.Settings)]
    [InlineData(Type.Continuation)]
    [InlineData(Type.Ping)]
    public void S4_2_AnyTypeAboveMaxFrameSize_ConnectionError(Type type)
    {
        Assert.Equal(Http2ReadStatus.ConnectionError, Read(Raw(type, Flags.None, type is Type.Settings or Type.Ping ? 0 : 1, new byte[16_386]), out _, out var error));
        Assert.Equal(Http2Error.FrameTooLarge, error);
    }

    [Fact]
    public void S4_Incomplete_ConsumesNothing()
    {
        Assert.Equal(Http2ReadStatus.Incomplete, Read([], out _, out _));
        Assert.Equal(Http2ReadStatus.Incomplete, Read(Raw(Type.Data, Flags.None, 1, 1, 2)[..10], out _, out _));
    }

    [Fact]
    public void S4_FramesBackToBack_EachConsumedInTurn()
    {
        byte[] data = [.. Raw(Type.Data, Flags.None, 1, 1, 2), .. Raw(Type.Ping, Flags.Ack, 0, new byte[8]), .. Raw(Type.Data, Flags.EndStream, 1)];
        var buffer = Http1.Sequences.OneBytePerSegment(data);
        var types = new List<Type>();
        while (Http2FrameReader.TryReadFrame(buffer, 16_384, out var frame, out var consumed, out _) == Http2ReadStatus.Frame)
        {
            types.Add(frame.Type);
            buffer = buffer.Slice(consumed);
        }

        Assert.Equal([Type.Data, Type.Ping, Type.Data], types);
        Assert.True(buffer.IsEmpty);
    }

    // §6.1 DATA.
    [Fact]
    public void S6_1_Data_Valid_WithEndStream()
    {
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.Data, Flags.EndStream, 5, 1, 2, 3), out var frame, out _));
        Assert.True(frame.EndStream);
        Assert.Equal(3, frame.Length);
        Assert.Equal(new byte[] { 1, 2, 3 }, frame.Payload.ToArray());
    }

    [Fact]
    public void S6_1_Data_Padded_PaddingRemoved_LengthCountsPadding()
    {
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.Data, Flags.Padded, 1, 2, 9, 9, 0, 0), out var frame, out _));
        Assert.Equal(new byte[] { 9, 9 }, frame.Payload.ToArray());
        Assert.Equal(2, frame.PadLength);
        Assert.Equal(5, frame.Length);
    }

    [Fact]
    public void S6_1_Data_PaddedWithOnlyPadding_IsValid()
    {
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.Data, Flags.Padded, 1, 3, 0, 0, 0), out var frame, out _));
        Assert.True(frame.Payload.IsEmpty);
    }

    [Theory]
    [InlineData(new byte[] { 4, 0, 0, 0 }, Http2Error.PaddingTooLong)] // pad length = payload length
    [InlineData(new byte[] { 255 }, Http2Error.PaddingTooLong)]
    [InlineData(new byte[0], Http2Error.PaddedFrameTooShort)] // no room for Pad Length
    public void S6_1_Data_BadPadding_ConnectionError(byte[] payload, Http2Error expected)
    {
        Assert.Equal(Http2ReadStatus.ConnectionError, ReadAllWays(Raw(Type.Data, Flags.Padded, 1, payload), out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void S6_1_Data_OnStreamZero_ConnectionProtocolError()
    {
        Assert.Equal(Http2ReadStatus.ConnectionError, ReadAllWays(Raw(Type.Data, Flags.None, 0, 1), out _, out var error));
        Assert.Equal(Http2Error.DataOnStreamZero, error);
        Assert.Equal(Http2ErrorCode.ProtocolError, Http2ErrorTable.CodeFor(error));
    }

    // §6.2 HEADERS.
    [Fact]
    public void S6_2_Headers_Valid()
    {
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.Headers, Flags.EndHeaders | Flags.EndStream, 1, 0x82), out var frame, out _));
        Assert.True(frame.EndHeaders);
        Assert.True(frame.EndStream);
        Assert.Equal(new byte[] { 0x82 }, frame.Payload.ToArray());
    }

    [Fact]
    public void S6_2_Headers_PaddedAndPriority_FieldsStripped()
    {
        byte[] payload = [1, .. UInt32(0x8000_0003), 15, 0x82, 0x86, 0];
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.Headers, Flags.EndHeaders | Flags.Padded | Flags.Priority, 5, payload), out var frame, out _));
        Assert.Equal(new byte[] { 0x82, 0x86 }, frame.Payload.ToArray());
        Assert.Equal(3, frame.StreamDependency);
        Assert.True(frame.Exclusive);
        Assert.Equal(15, frame.Weight);
    }

    [Fact]
    public void S6_2_Headers_OnStreamZero_ConnectionError()
    {
        Assert.Equal(Http2ReadStatus.ConnectionError, ReadAllWays(Raw(Type.Headers, Flags.EndHeaders, 0, 0x82), out _, out var error));
        Assert.Equal(Http2Error.HeadersOnStreamZero, error);
    }

    [Fact]
    public void S6_2_Headers_PaddingExceedsFragment_ConnectionProtocolError()
    {
        byte[] payload = [3, .. UInt32(0), 15, 0x82, 0];
        Assert.Equal(Http2ReadStatus.ConnectionError, ReadAllWays(Raw(Type.Headers, Flags.EndHeaders | Flags.Padded | Flags.Priority, 1, payload), out _, out var error));
        Assert.Equal(Http2Error.PaddingTooLong, error);
    }

    [Fact]
    public void S6_2_Headers_PriorityFlagButTooShort_ConnectionFrameSizeError()
    {
        Assert.Equal(Http2ReadStatus.ConnectionError, ReadAllWays(Raw(Type.Headers, Flags.EndHeaders | Flags.Priority, 1, 0, 0, 0, 0), out _, out var error));
        Assert.Equal(Http2Error.HeadersTooShortForPriority, error);
        Assert.Equal(Http2ErrorCode.FrameSizeError, Http2ErrorTable.CodeFor(error));
    }

    [Fact]
    public void S5_3_1_HeadersDependingOnItself_StreamError_BlockStillAvailable()
    {
        byte[] payload = [.. UInt32(3), 15, 0x82];
        Assert.Equal(Http2ReadStatus.StreamError, ReadAllWays(Raw(Type.Headers, Flags.EndHeaders | Flags.Priority, 3, payload), out var frame, out var error));
        Assert.Equal(Http2Error.StreamDependsOnItself, error);
        Assert.Equal(Http2ErrorCode.ProtocolError, Http2ErrorTable.CodeFor(error));
        Assert.Equal(new byte[] { 0x82 }, frame.Payload.ToArray());
    }

    // §6.3 PRIORITY.
    [Fact]
    public void S6_3_Priority_Valid()
    {
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.Priority, Flags.None, 3, [.. UInt32(1), 200]), out var frame, out _));
        Assert.Equal(1, frame.StreamDependency);
        Assert.Equal(200, frame.Weight);
    }

    [Fact]
    public void S6_3_Priority_OnStreamZero_ConnectionError()
    {
        Assert.Equal(Http2ReadStatus.ConnectionError, ReadAllWays(Raw(Type.Priority, Flags.None, 0, [.. UInt32(1), 200]), out _, out var error));
        Assert.Equal(Http2Error.PriorityOnStreamZero, error);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void S6_3_Priority_WrongLength_StreamFrameSizeError(int length)
    {
        Assert.Equal(Http2ReadStatus.StreamError, ReadAllWays(Raw(Type.Priority, Flags.None, 3, new byte[length]), out _, out var error));
        Assert.Equal(Http2Error.PriorityLength, error);
        Assert.Equal(Http2ErrorCode.FrameSizeError, Http2ErrorTable.CodeFor(error));
        Assert.False(Http2ErrorTable.IsConnectionError(error));
    }

    [Fact]
    public void S6_3_Priority_DependingOnItself_StreamError()
    {
        Assert.Equal(Http2ReadStatus.StreamError, ReadAllWays(Raw(Type.Priority, Flags.None, 3, [.. UInt32(3), 1]), out _, out var error));
        Assert.Equal(Http2Error.StreamDependsOnItself, error);
    }

    // §6.4 RST_STREAM.
    [Fact]
    public void S6_4_RstStream_Valid()
    {
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.RstStream, Flags.None, 1, UInt32(8)), out var frame, out _));
        Assert.Equal(Http2ErrorCode.Cancel, frame.ErrorCode);
    }

    [Fact]
    public void S6_4_RstStream_UnknownCode_IsKept()
    {
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.RstStream, Flags.None, 1, UInt32(0xABCD)), out var frame, out _));
        Assert.Equal((Http2ErrorCode)0xABCD, frame.ErrorCode);
    }

    [Fact]
    public void S6_4_RstStream_OnStreamZero_ConnectionError()
    {
        Assert.Equal(Http2ReadStatus.ConnectionError, ReadAllWays(Raw(Type.RstStream, Flags.None, 0, UInt32(8)), out _, out var error));
        Assert.Equal(Http2Error.RstStreamOnStreamZero, error);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void S6_4_RstStream_WrongLength_ConnectionFrameSizeError(int length)
    {
        Assert.Equal(Http2ReadStatus.ConnectionError, ReadAllWays(Raw(Type.RstStream, Flags.None, 1, new byte[length]), out _, out var error));
        Assert.Equal(Http2Error.RstStreamLength, error);
        Assert.Equal(Http2ErrorCode.FrameSizeError, Http2ErrorTable.CodeFor(error));
    }

    // §6.5 SETTINGS.
    [Fact]
    public void S6_5_Settings_Valid_ParametersInOrder_UnknownKept()
    {
        byte[] payload = [.. Setting(Http2SettingsParameter.MaxConcurrentStreams, 100), .. Setting((Http2SettingsParameter)0xFF, 7), .. Setting(Http2SettingsParameter.InitialWindowSize, 1 << 20)];
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.Settings, Flags.None, 0, payload), out var frame, out _));
        var settings = new List<Http2Setting>();
        foreach (var setting in frame.Settings)
        {
            settings.Add(setting);
        }

        Assert.Equal([new(Http2SettingsParameter.MaxConcurrentStreams, 100), new((Http2SettingsParameter)0xFF, 7), new(Http2SettingsParameter.InitialWindowSize, 1 << 20)], settings);
    }

    [Fact]
    public void S6_5_SettingsAck_Valid()
    {
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.Settings, Flags.Ack, 0), out var frame, out _));
        Assert.True(frame.IsAck);
    }

    [Theory]
    [InlineData(Flags.None, 1, 0, Http2Error.SettingsOnStream)]
    [InlineData(Flags.Ack, 0, 6, Http2Error.SettingsAckWithPayload)]
    [InlineData(Flags.None, 0, 3, Http2Error.SettingsLength)]
    [InlineData(Flags.None, 0, 7, Http2Error.SettingsLength)]
    public void S6_5_Settings_BadFrame_ConnectionError(Flags flags, int streamId, int length, Http2Error expected)
    {
        Assert.Equal(Http2ReadStatus.ConnectionError, ReadAllWays(Raw(Type.Settings, flags, streamId, new byte[length]), out _, out var error));
        Assert.Equal(expected, error);
        Assert.True(Http2ErrorTable.IsConnectionError(error));
    }

    [Theory]
    [InlineData(Http2SettingsParameter.EnablePush, 2u, Http2Error.SettingsInvalidEnablePush, Http2ErrorCode.ProtocolError)]
    [InlineData(Http2SettingsParameter.InitialWindowSize, 0x8000_0000u, Http2Error.SettingsInitialWindowTooLarge, Http2ErrorCode.FlowControlError)]
    [InlineData(Http2SettingsParameter.MaxFrameSize, 16_383u, Http2Error.SettingsInvalidMaxFrameSize, Http2ErrorCode.ProtocolError)]
    [InlineData(Http2SettingsParameter.MaxFrameSize, 16_777_216u, Http2Error.SettingsInvalidMaxFrameSize, Http2ErrorCode.ProtocolError)]
    [InlineData(Http2SettingsParameter.EnableConnectProtocol, 2u, Http2Error.SettingsInvalidFlag, Http2ErrorCode.ProtocolError)]
    [InlineData(Http2SettingsParameter.NoRfc7540Priorities, 5u, Http2Error.SettingsInvalidFlag, Http2ErrorCode.ProtocolError)]
    public void S6_5_2_Settings_ValueOutOfRange_ConnectionError(Http2SettingsParameter parameter, uint value, Http2Error expected, Http2ErrorCode code)
    {
        Assert.Equal(Http2ReadStatus.ConnectionError, ReadAllWays(Raw(Type.Settings, Flags.None, 0, Setting(parameter, value)), out _, out var error));
        Assert.Equal(expected, error);
        Assert.Equal(code, Http2ErrorTable.CodeFor(error));
    }

    [Theory]
    [InlineData(Http2SettingsParameter.MaxFrameSize, 16_384u)]
    [InlineData(Http2SettingsParameter.MaxFrameSize, 16_777_215u)]
    [InlineData(Http2SettingsParameter.InitialWindowSize, 0x7FFF_FFFFu)]
    [InlineData(Http2SettingsParameter.EnablePush, 1u)]
    [InlineData(Http2SettingsParameter.HeaderTableSize, uint.MaxValue)]
    public void S6_5_2_Settings_BoundaryValues_Valid(Http2SettingsParameter parameter, uint value)
        => Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.Settings, Flags.None, 0, Setting(parameter, value)), out _, out _));

    // §6.6 PUSH_PROMISE: never enabled.
    [Fact]
    public void S6_6_PushPromise_ConnectionProtocolError()
    {
        Assert.Equal(Http2ReadStatus.ConnectionError, ReadAllWays(Raw(Type.PushPromise, Flags.EndHeaders, 1, [.. UInt32(2), 0x82]), out _, out var error));
        Assert.Equal(Http2Error.PushPromiseReceived, error);
        Assert.Equal(Http2ErrorCode.ProtocolError, Http2ErrorTable.CodeFor(error));
    }

    // §6.7 PING.
    [Fact]
    public void S6_7_Ping_Valid_OpaqueData()
    {
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.Ping, Flags.None, 0, 1, 2, 3, 4, 5, 6, 7, 8), out var frame, out _));
        Assert.Equal(0x0102030405060708UL, frame.PingData);
        Assert.False(frame.IsAck);
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.Ping, Flags.Ack, 0, new byte[8]), out frame, out _));
        Assert.True(frame.IsAck);
    }

    [Theory]
    [InlineData(1, 8, Http2Error.PingOnStream)]
    [InlineData(0, 7, Http2Error.PingLength)]
    [InlineData(0, 9, Http2Error.PingLength)]
    public void S6_7_Ping_Bad_ConnectionError(int streamId, int length, Http2Error expected)
    {
        Assert.Equal(Http2ReadStatus.ConnectionError, ReadAllWays(Raw(Type.Ping, Flags.None, streamId, new byte[length]), out _, out var error));
        Assert.Equal(expected, error);
    }

    // §6.8 GOAWAY.
    [Fact]
    public void S6_8_GoAway_Valid_WithDebugData()
    {
        byte[] payload = [.. UInt32(0x8000_0007), .. UInt32(0xB), (byte)'h', (byte)'i'];
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.GoAway, Flags.None, 0, payload), out var frame, out _));
        Assert.Equal(7, frame.LastStreamId);
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, frame.ErrorCode);
        Assert.Equal("hi"u8.ToArray(), frame.Payload.ToArray());
    }

    [Theory]
    [InlineData(1, 8, Http2Error.GoAwayOnStream)]
    [InlineData(0, 7, Http2Error.GoAwayLength)]
    public void S6_8_GoAway_Bad_ConnectionError(int streamId, int length, Http2Error expected)
    {
        Assert.Equal(Http2ReadStatus.ConnectionError, ReadAllWays(Raw(Type.GoAway, Flags.None, streamId, new byte[length]), out _, out var error));
        Assert.Equal(expected, error);
    }

    // §6.9 WINDOW_UPDATE.
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void S6_9_WindowUpdate_Valid_ReservedBitIgnored(int streamId)
    {
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.WindowUpdate, Flags.None, streamId, UInt32(0x8000_0400)), out var frame, out _));
        Assert.Equal(1024, frame.WindowIncrement);
    }

    [Fact]
    public void S6_9_WindowUpdate_ZeroOnStream_StreamProtocolError()
    {
        Assert.Equal(Http2ReadStatus.StreamError, ReadAllWays(Raw(Type.WindowUpdate, Flags.None, 1, UInt32(0)), out var frame, out var error));
        Assert.Equal(Http2Error.WindowUpdateZeroOnStream, error);
        Assert.Equal(Http2ErrorCode.ProtocolError, Http2ErrorTable.CodeFor(error));
        Assert.Equal(1, frame.StreamId);
    }

    [Fact]
    public void S6_9_WindowUpdate_ZeroOnConnection_ConnectionProtocolError()
    {
        Assert.Equal(Http2ReadStatus.ConnectionError, ReadAllWays(Raw(Type.WindowUpdate, Flags.None, 0, UInt32(0x8000_0000)), out _, out var error));
        Assert.Equal(Http2Error.WindowUpdateZeroOnConnection, error);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void S6_9_WindowUpdate_WrongLength_ConnectionFrameSizeError(int length)
    {
        Assert.Equal(Http2ReadStatus.ConnectionError, ReadAllWays(Raw(Type.WindowUpdate, Flags.None, 1, new byte[length]), out _, out var error));
        Assert.Equal(Http2Error.WindowUpdateLength, error);
    }

    // §6.10 CONTINUATION.
    [Fact]
    public void S6_10_Continuation_Valid()
    {
        Assert.Equal(Http2ReadStatus.Frame, ReadAllWays(Raw(Type.Continuation, Flags.EndHeaders, 1, 0x84), out var frame, out _));
        Assert.True(frame.EndHeaders);
        Assert.False(frame.EndStream);
    }

    [Fact]
    public void S6_10_Continuation_OnStreamZero_ConnectionError()
    {
        Assert.Equal(Http2ReadStatus.ConnectionError, ReadAllWays(Raw(Type.Continuation, Flags.EndHeaders, 0, 0x84), out _, out var error));
        Assert.Equal(Http2Error.ContinuationOnStreamZero, error);
    }

    [Fact]
    public void StreamErrorFrames_AreConsumed_SoTheNextFrameIsRead()
    {
        byte[] data = [.. Raw(Type.Priority, Flags.None, 3, new byte[4]), .. Raw(Type.Data, Flags.None, 1, 1)];
        var buffer = new ReadOnlySequence<byte>(data);
        Assert.Equal(Http2ReadStatus.StreamError, Http2FrameReader.TryReadFrame(buffer, 16_384, out _, out var consumed, out _));
        Assert.Equal(Http2ReadStatus.Frame, Http2FrameReader.TryReadFrame(buffer.Slice(consumed), 16_384, out var next, out _, out _));
        Assert.Equal(Type.Data, next.Type);
    }
}
