using Engine.Protocols.Http2;
using Type = Engine.Protocols.Http2.Http2FrameType;

namespace Engine.Protocols.Tests.Http2;

/// <summary>RFC 9113 §5.1 stream states and §5.1.1 identifiers.</summary>
public class Http2StreamStateTests
{
    [Fact]
    public void S5_1_Idle_HeadersOpens()
    {
        var stream = new Http2StreamStateMachine();
        Assert.Equal(Http2StreamAction.Process, stream.OnReceive(Type.Headers, endStream: false, out _));
        Assert.Equal(Http2StreamState.Open, stream.State);
    }

    [Fact]
    public void S5_1_Idle_HeadersWithEndStream_HalfClosedRemote()
    {
        var stream = new Http2StreamStateMachine();
        stream.OnReceive(Type.Headers, endStream: true, out _);
        Assert.Equal(Http2StreamState.HalfClosedRemote, stream.State);
        Assert.True(stream.RemoteClosed);
    }

    [Theory]
    [InlineData(Type.Data)]
    [InlineData(Type.RstStream)]
    [InlineData(Type.WindowUpdate)]
    [InlineData(Type.Continuation)]
    public void S5_1_Idle_OtherFrames_ConnectionProtocolError(Type type)
    {
        var stream = new Http2StreamStateMachine();
        Assert.Equal(Http2StreamAction.Reject, stream.OnReceive(type, false, out var error));
        Assert.Equal(Http2Error.FrameOnIdleStream, error);
        Assert.True(Http2ErrorTable.IsConnectionError(error));
        Assert.Equal(Http2ErrorCode.ProtocolError, Http2ErrorTable.CodeFor(error));
    }

    [Fact]
    public void S5_1_Idle_Priority_Allowed()
        => Assert.Equal(Http2StreamAction.Process, new Http2StreamStateMachine().OnReceive(Type.Priority, false, out _));

    [Theory]
    [InlineData(Type.Data)]
    [InlineData(Type.Headers)]
    [InlineData(Type.Continuation)]
    public void S5_1_HalfClosedRemote_FramesOtherThanWindowUpdatePriorityRst_StreamClosed(Type type)
    {
        var stream = Opened(endStream: true);
        Assert.Equal(Http2StreamAction.Reject, stream.OnReceive(type, false, out var error));
        Assert.Equal(Http2Error.StreamClosed, error);
        Assert.False(Http2ErrorTable.IsConnectionError(error));
        Assert.Equal(Http2ErrorCode.StreamClosed, Http2ErrorTable.CodeFor(error));
    }

    [Theory]
    [InlineData(Type.WindowUpdate)]
    [InlineData(Type.Priority)]
    public void S5_1_HalfClosedRemote_WindowUpdateAndPriority_Allowed(Type type)
        => Assert.Equal(Http2StreamAction.Process, Opened(endStream: true).OnReceive(type, false, out _));

    [Fact]
    public void S5_1_HalfClosedRemote_RstCloses()
    {
        var stream = Opened(endStream: true);
        Assert.Equal(Http2StreamAction.Process, stream.OnReceive(Type.RstStream, false, out _));
        Assert.Equal(Http2StreamState.Closed, stream.State);
    }

    [Fact]
    public void S5_1_Open_DataEndStream_ThenWeEnd_Closed()
    {
        var stream = Opened(endStream: false);
        Assert.Equal(Http2StreamAction.Process, stream.OnReceive(Type.Data, endStream: false, out _));
        Assert.Equal(Http2StreamAction.Process, stream.OnReceive(Type.Data, endStream: true, out _));
        Assert.Equal(Http2StreamState.HalfClosedRemote, stream.State);
        stream.OnSend(Type.Headers, endStream: false);
        stream.OnSend(Type.Data, endStream: true);
        Assert.Equal(Http2StreamState.Closed, stream.State);
    }

    [Fact]
    public void S5_1_HalfClosedLocal_ReceivesUntilPeerEnds()
    {
        var stream = new Http2StreamStateMachine();
        stream.OnSend(Type.Headers, endStream: true);
        Assert.Equal(Http2StreamState.HalfClosedLocal, stream.State);
        Assert.Equal(Http2StreamAction.Process, stream.OnReceive(Type.Headers, endStream: false, out _));
        Assert.Equal(Http2StreamAction.Process, stream.OnReceive(Type.Data, endStream: true, out _));
        Assert.Equal(Http2StreamState.Closed, stream.State);
    }

    [Theory]
    [InlineData(Type.Data)]
    [InlineData(Type.Headers)]
    [InlineData(Type.WindowUpdate)]
    [InlineData(Type.RstStream)]
    public void S5_1_ClosedAfterOurReset_EverythingIgnored(Type type)
    {
        var stream = Opened(endStream: false);
        stream.OnSend(Type.RstStream, false);
        Assert.True(stream.ResetLocally);
        Assert.Equal(Http2StreamAction.Ignore, stream.OnReceive(type, true, out _));
    }

    [Theory]
    [InlineData(Type.Data, Http2StreamAction.Reject)]
    [InlineData(Type.Headers, Http2StreamAction.Reject)]
    [InlineData(Type.WindowUpdate, Http2StreamAction.Ignore)]
    [InlineData(Type.Priority, Http2StreamAction.Ignore)]
    [InlineData(Type.RstStream, Http2StreamAction.Ignore)]
    public void S5_1_ClosedAfterPeerReset_DataAndHeadersStreamClosed(Type type, Http2StreamAction expected)
    {
        var stream = Opened(endStream: false);
        stream.OnReceive(Type.RstStream, false, out _);
        Assert.Equal(expected, stream.OnReceive(type, false, out var error));
        Assert.Equal(expected == Http2StreamAction.Reject ? Http2Error.StreamClosed : Http2Error.None, error);
    }

    [Fact]
    public void OnSend_DataOnHalfClosedLocal_IsOurBug()
    {
        var stream = Opened(endStream: false);
        stream.OnSend(Type.Data, endStream: true);
        Assert.Throws<InvalidOperationException>(() => stream.OnSend(Type.Data, endStream: false));
        Assert.Throws<InvalidOperationException>(() => new Http2StreamStateMachine().OnSend(Type.RstStream, false));
    }

    // §5.1.1 identifiers, for streams the session does not track.
    [Fact]
    public void S5_1_1_Server_NewOddStream_Opens_AndIsRemembered()
    {
        var ids = new Http2StreamIds(isServer: true);
        Assert.Equal(Http2StreamAction.Process, ids.OnUntrackedStream(Type.Headers, 1, out _));
        Assert.Equal(Http2StreamAction.Process, ids.OnUntrackedStream(Type.Headers, 7, out _));
        Assert.Equal(7, ids.LastPeerStreamId);
    }

    [Fact]
    public void S5_1_Idle_IsEveryIdentifierAboveTheLastOpenedByItsSide()
    {
        var server = new Http2StreamIds(isServer: true);
        Assert.True(server.IsIdle(1));
        server.OnUntrackedStream(Type.Headers, 5, out _);
        Assert.False(server.IsIdle(1)); // skipped over: closed, never idle again (§5.1.1)
        Assert.False(server.IsIdle(5));
        Assert.True(server.IsIdle(7));
        Assert.True(server.IsIdle(2)); // our own side has opened nothing
        server.OpenLocalStream();
        Assert.False(server.IsIdle(2));
        Assert.True(server.IsIdle(4));

        var client = new Http2StreamIds(isServer: false);
        Assert.True(client.IsIdle(1));
        client.OpenLocalStream();
        client.OpenLocalStream();
        Assert.False(client.IsIdle(3));
        Assert.True(client.IsIdle(5));
        Assert.True(client.IsIdle(2));
    }

    [Fact]
    public void S5_1_1_Server_EvenStreamFromClient_ConnectionProtocolError()
    {
        Assert.Equal(Http2StreamAction.Reject, new Http2StreamIds(isServer: true).OnUntrackedStream(Type.Headers, 2, out var error));
        Assert.Equal(Http2Error.InvalidStreamId, error);
        Assert.True(Http2ErrorTable.IsConnectionError(error));
    }

    [Fact]
    public void S5_1_1_Client_HeadersOnIdleStream_ConnectionProtocolError()
    {
        var ids = new Http2StreamIds(isServer: false);
        Assert.Equal(Http2StreamAction.Reject, ids.OnUntrackedStream(Type.Headers, 2, out var error));
        Assert.Equal(Http2Error.InvalidStreamId, error);
        Assert.Equal(Http2StreamAction.Reject, ids.OnUntrackedStream(Type.Headers, 1, out _));
    }

    [Theory]
    [InlineData(Type.Data)]
    [InlineData(Type.WindowUpdate)]
    [InlineData(Type.RstStream)]
    [InlineData(Type.Continuation)]
    public void S5_1_Untracked_IdleStream_NonHeaders_ConnectionProtocolError(Type type)
    {
        var ids = new Http2StreamIds(isServer: true);
        Assert.Equal(Http2StreamAction.Reject, ids.OnUntrackedStream(type, 1, out var error));
        Assert.Equal(Http2Error.FrameOnIdleStream, error);
    }

    [Fact]
    public void S5_1_Untracked_IdlePriority_Ignored()
        => Assert.Equal(Http2StreamAction.Ignore, new Http2StreamIds(isServer: true).OnUntrackedStream(Type.Priority, 9, out _));

    [Theory]
    [InlineData(Type.Data)]
    [InlineData(Type.Headers)]
    [InlineData(Type.WindowUpdate)]
    [InlineData(Type.RstStream)]
    public void S5_1_Untracked_ClosedStream_Ignored(Type type)
    {
        var ids = new Http2StreamIds(isServer: true);
        ids.OnUntrackedStream(Type.Headers, 5, out _);
        Assert.Equal(Http2StreamAction.Ignore, ids.OnUntrackedStream(type, 3, out _));
        Assert.Equal(Http2StreamAction.Ignore, ids.OnUntrackedStream(type, 5, out _));
    }

    [Fact]
    public void S5_1_Untracked_OurClosedStream_Ignored_OurIdleStream_Rejected()
    {
        var ids = new Http2StreamIds(isServer: false);
        Assert.Equal(1, ids.OpenLocalStream());
        Assert.Equal(3, ids.OpenLocalStream());
        Assert.Equal(Http2StreamAction.Ignore, ids.OnUntrackedStream(Type.Data, 1, out _));
        Assert.Equal(Http2StreamAction.Reject, ids.OnUntrackedStream(Type.Data, 5, out _));
    }

    [Fact]
    public void S5_1_1_LocalStreamIds_ExhaustAt2Pow31()
    {
        var ids = new Http2StreamIds(isServer: false);
        for (var i = 0; i < 5; i++)
        {
            ids.OpenLocalStream();
        }

        Assert.Equal(9, ids.LastLocalStreamId);
        var exhausted = new Http2StreamIds(isServer: false);
        typeof(Http2StreamIds).GetProperty(nameof(Http2StreamIds.LastLocalStreamId))!.SetValue(exhausted, int.MaxValue);
        Assert.Equal(-1, exhausted.OpenLocalStream());
    }

    [Fact]
    public void S6_8_AfterGoAway_NewStreamsAboveLastAreIgnored()
    {
        var ids = new Http2StreamIds(isServer: true);
        ids.OnUntrackedStream(Type.Headers, 3, out _);
        ids.OnGoAwaySent(3);
        Assert.Equal(Http2StreamAction.Ignore, ids.OnUntrackedStream(Type.Headers, 5, out _));
        Assert.Equal(5, ids.LastPeerStreamId);
    }

    [Fact]
    public void S5_1_2_TooManyStreams_IsRefusedStream()
    {
        Assert.Equal(Http2ErrorCode.RefusedStream, Http2ErrorTable.CodeFor(Http2Error.TooManyStreams));
        Assert.False(Http2ErrorTable.IsConnectionError(Http2Error.TooManyStreams));
    }

    private static Http2StreamStateMachine Opened(bool endStream)
    {
        var stream = new Http2StreamStateMachine();
        stream.OnReceive(Type.Headers, endStream, out _);
        return stream;
    }
}
