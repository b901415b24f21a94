using System.Buffers;
using Engine.Protocols.Http2;
using static Engine.Protocols.Tests.Http2.Frames;
using Flags = Engine.Protocols.Http2.Http2FrameFlags;
using Type = Engine.Protocols.Http2.Http2FrameType;

namespace Engine.Protocols.Tests.Http2;

/// <summary>Field block assembly (§4.3, §6.10) and the flood defences of robustness.md §2.3.</summary>
public class Http2DefenceTests
{
    [Fact]
    public void HeaderBlock_SingleFrame_IsNotCopied()
    {
        var assembler = new Http2HeaderBlockAssembler(Http2Limits.Default);
        var frame = ReadFrame(Raw(Type.Headers, Flags.EndHeaders | Flags.EndStream, 1, 0x82, 0x86));
        Assert.Equal(Http2Error.None, assembler.Add(frame));
        Assert.True(assembler.IsComplete);
        Assert.True(assembler.EndStream);
        Assert.Equal(new byte[] { 0x82, 0x86 }, assembler.Block.ToArray());
        Assert.True(assembler.Block.Overlaps(frame.Payload.First.Span));
    }

    [Fact]
    public void S6_10_HeadersThenContinuations_Joined_EndStreamFromHeaders()
    {
        var assembler = new Http2HeaderBlockAssembler(Http2Limits.Default);
        Assert.Equal(Http2Error.None, assembler.Add(ReadFrame(Raw(Type.Headers, Flags.EndStream, 3, 0x82))));
        Assert.True(assembler.InProgress);
        Assert.Equal(Http2Error.None, assembler.Add(ReadFrame(Raw(Type.Continuation, Flags.None, 3, 0x86))));
        Assert.Equal(Http2Error.None, assembler.Add(ReadFrame(Raw(Type.Continuation, Flags.EndHeaders, 3, 0x84))));
        Assert.True(assembler.IsComplete);
        Assert.False(assembler.InProgress);
        Assert.True(assembler.EndStream);
        Assert.Equal(3, assembler.StreamId);
        Assert.Equal(new byte[] { 0x82, 0x86, 0x84 }, assembler.Block.ToArray());

        assembler.Reset();
        Assert.False(assembler.IsComplete);
    }

    [Theory]
    [InlineData(Type.Data, 3)]
    [InlineData(Type.Ping, 0)]
    [InlineData(Type.Continuation, 5)]
    [InlineData(Type.Headers, 5)]
    [InlineData((Type)0x20, 3)]
    public void S6_10_BlockInterrupted_ConnectionProtocolError(Type type, int streamId)
    {
        var assembler = new Http2HeaderBlockAssembler(Http2Limits.Default);
        assembler.Add(ReadFrame(Raw(Type.Headers, Flags.None, 3, 0x82)));
        var error = assembler.CheckSequence(new Http2FrameHeader(0, type, Flags.None, streamId));
        Assert.Equal(Http2Error.HeaderBlockInterrupted, error);
        Assert.True(Http2ErrorTable.IsConnectionError(error));
        Assert.Equal(Http2ErrorCode.ProtocolError, Http2ErrorTable.CodeFor(error));
    }

    [Fact]
    public void S6_10_ContinuationWithoutHeaders_ConnectionProtocolError()
    {
        var assembler = new Http2HeaderBlockAssembler(Http2Limits.Default);
        Assert.Equal(Http2Error.UnexpectedContinuation, assembler.CheckSequence(new Http2FrameHeader(1, Type.Continuation, Flags.EndHeaders, 1)));
        Assert.Equal(Http2Error.None, assembler.CheckSequence(new Http2FrameHeader(1, Type.Data, Flags.None, 1)));
    }

    [Fact]
    public void ContinuationFlood_StopsAtFrameCap()
    {
        var assembler = new Http2HeaderBlockAssembler(Http2Limits.Default with { MaxContinuationFrames = 512 });
        assembler.Add(ReadFrame(Raw(Type.Headers, Flags.None, 1, 0x82)));
        var empty = ReadFrame(Raw(Type.Continuation, Flags.None, 1));
        for (var i = 0; i < 512; i++)
        {
            Assert.Equal(Http2Error.None, assembler.Add(empty));
        }

        var error = assembler.Add(empty);
        Assert.Equal(Http2Error.TooManyContinuationFrames, error);
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, Http2ErrorTable.CodeFor(error));
        Assert.True(Http2ErrorTable.IsConnectionError(error));
    }

    [Fact]
    public void ContinuationFlood_StopsAtByteCap_MemoryBounded()
    {
        var limits = Http2Limits.Default with { MaxHeaderBlockBytes = 64 * 1024, MaxContinuationFrames = 100_000 };
        var assembler = new Http2HeaderBlockAssembler(limits);
        assembler.Add(ReadFrame(Raw(Type.Headers, Flags.None, 1, new byte[16_384])));
        var continuation = ReadFrame(Raw(Type.Continuation, Flags.None, 1, new byte[16_384]));
        var added = 0;
        Http2Error error;
        while ((error = assembler.Add(continuation)) == Http2Error.None)
        {
            added++;
        }

        Assert.Equal(Http2Error.HeaderBlockTooLarge, error);
        Assert.Equal(3, added); // 4 × 16 KiB = 64 KiB exactly fits; the fifth frame does not.
    }

    [Fact]
    public void EmptyFrames_SecondConsecutive_IsFlood_NonEmptyResets()
    {
        var guard = new Http2EmptyFrameGuard(Http2Limits.Default);
        var empty = ReadFrame(Raw(Type.Data, Flags.None, 1));
        Assert.Equal(Http2Error.None, guard.OnFrame(empty));
        Assert.Equal(Http2Error.None, guard.OnFrame(ReadFrame(Raw(Type.Data, Flags.None, 1, 1))));
        Assert.Equal(Http2Error.None, guard.OnFrame(empty));
        Assert.Equal(Http2Error.None, guard.OnFrame(ReadFrame(Raw(Type.Ping, Flags.None, 0, new byte[8]))));
        Assert.Equal(Http2Error.EmptyFrameFlood, guard.OnFrame(ReadFrame(Raw(Type.Continuation, Flags.None, 1))));
    }

    [Fact]
    public void EmptyFrames_EndStreamAndPaddingOnly()
    {
        var guard = new Http2EmptyFrameGuard(Http2Limits.Default);
        Assert.Equal(Http2Error.None, guard.OnFrame(ReadFrame(Raw(Type.Data, Flags.EndStream, 1))));
        Assert.Equal(Http2Error.None, guard.OnFrame(ReadFrame(Raw(Type.Data, Flags.EndStream, 3))));

        // Padding is not payload: two padded-but-empty DATA frames are a flood.
        Assert.Equal(Http2Error.None, guard.OnFrame(ReadFrame(Raw(Type.Data, Flags.Padded, 5, 2, 0, 0))));
        Assert.Equal(Http2Error.EmptyFrameFlood, guard.OnFrame(ReadFrame(Raw(Type.Data, Flags.Padded, 5, 2, 0, 0))));
    }

    [Fact]
    public void PriorityFlood_100PerOpenedStream()
    {
        var guard = new Http2PriorityGuard(Http2Limits.Default);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(Http2Error.None, guard.OnPriorityFrame());
        }

        Assert.Equal(Http2Error.PriorityFlood, guard.OnPriorityFrame());
        guard.Reset();
        guard.OnStreamOpened();
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(Http2Error.None, guard.OnPriorityFrame());
        }

        Assert.Equal(Http2Error.PriorityFlood, guard.OnPriorityFrame());
    }

    [Fact]
    public void WindowUpdateFlood_EnvoyFormula()
    {
        var guard = new Http2WindowUpdateGuard(Http2Limits.Default);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(Http2Error.None, guard.OnWindowUpdate());
        }

        Assert.Equal(Http2Error.WindowUpdateFlood, guard.OnWindowUpdate());

        guard.Reset();
        guard.OnStreamOpened();
        guard.OnDataFrameSent();

        // 5 + 2 × (1 + 10 × 1) = 27.
        for (var i = 0; i < 27; i++)
        {
            Assert.Equal(Http2Error.None, guard.OnWindowUpdate());
        }

        Assert.Equal(Http2Error.WindowUpdateFlood, guard.OnWindowUpdate());
    }

    [Fact]
    public void OutboundControlFrames_CapAt1000_UntilFlushed()
    {
        var budget = new Http2OutboundFrameBudget(Http2Limits.Default);
        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(Http2Error.None, budget.OnQueued(i % 2 == 0 ? Type.Ping : Type.Settings));
        }

        Assert.Equal(Http2Error.OutboundControlFrameFlood, budget.OnQueued(Type.RstStream));
        budget.OnFlushed();
        Assert.Equal(Http2Error.None, budget.OnQueued(Type.RstStream));
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, Http2ErrorTable.CodeFor(Http2Error.OutboundControlFrameFlood));
    }

    [Fact]
    public void OutboundFrames_CapAt10000()
    {
        var budget = new Http2OutboundFrameBudget(Http2Limits.Default);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Equal(Http2Error.None, budget.OnQueued(Type.Data));
        }

        Assert.Equal(Http2Error.OutboundFrameFlood, budget.OnQueued(Type.Headers));
    }

    [Fact]
    public void RapidReset_HalfOf500Premature_BeforeThreshold_Closes()
    {
        var guard = new Http2RapidResetGuard(Http2Limits.Default);
        for (var i = 0; i < 249; i++)
        {
            Assert.Equal(Http2Error.None, guard.OnStreamClosed(TimeSpan.FromMilliseconds(1), reset: true));
        }

        Assert.Equal(Http2Error.RapidReset, guard.OnStreamClosed(TimeSpan.Zero, reset: true));
    }

    [Fact]
    public void RapidReset_AfterThreshold_MoreThanHalfPremature_Closes()
    {
        var guard = new Http2RapidResetGuard(Http2Limits.Default);
        for (var i = 0; i < 600; i++)
        {
            Assert.Equal(Http2Error.None, guard.OnStreamClosed(TimeSpan.FromSeconds(2), reset: false));
        }

        // 600 healthy streams: up to 600 premature resets fit under half of (600 + resets).
        for (var i = 0; i < 599; i++)
        {
            Assert.Equal(Http2Error.None, guard.OnStreamClosed(TimeSpan.Zero, reset: true));
        }

        Assert.Equal(Http2Error.None, guard.OnStreamClosed(TimeSpan.Zero, reset: true));
        Assert.Equal(Http2Error.RapidReset, guard.OnStreamClosed(TimeSpan.Zero, reset: true));
    }

    [Fact]
    public void RapidReset_LongLivedResets_AreNotPremature()
    {
        var guard = new Http2RapidResetGuard(Http2Limits.Default);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Equal(Http2Error.None, guard.OnStreamClosed(TimeSpan.FromSeconds(1), reset: true));
        }
    }

    [Fact]
    public void ResetWhileRunning_CappedAt200()
    {
        var guard = new Http2RapidResetGuard(Http2Limits.Default);
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(Http2Error.None, guard.OnResetWhileRunning());
        }

        Assert.Equal(Http2Error.TooManyResetStreamsInFlight, guard.OnResetWhileRunning());
        guard.OnResetWorkFinished();
        guard.OnResetWorkFinished();
        Assert.Equal(Http2Error.None, guard.OnResetWhileRunning());
    }

    private static Http2Frame ReadFrame(byte[] data)
    {
        Assert.Equal(Http2ReadStatus.Frame, Http2FrameReader.TryReadFrame(new ReadOnlySequence<byte>(data), 1 << 20, out var frame, out _, out _));
        return frame;
    }
}
