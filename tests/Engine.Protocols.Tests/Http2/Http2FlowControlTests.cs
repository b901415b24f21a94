using Engine.Protocols.Http2;

namespace Engine.Protocols.Tests.Http2;

/// <summary>RFC 9113 §5.2, §6.9: windows, overflow, negative windows after SETTINGS, and credit return.</summary>
public class Http2FlowControlTests
{
    [Fact]
    public void S6_9_1_Increase_UpToMaximum_ThenOverflowRefused()
    {
        var window = new Http2FlowWindow(65_535);
        Assert.True(window.TryIncrease(int.MaxValue - 65_535));
        Assert.Equal(int.MaxValue, window.Available);
        Assert.False(window.TryIncrease(1));
        Assert.Equal(int.MaxValue, window.Available);
    }

    [Fact]
    public void S6_9_2_SettingsShrink_WindowGoesNegative_SendableIsZero()
    {
        var window = new Http2FlowWindow(65_535);
        window.Consume(60_000);
        Assert.True(window.TryAdjust(-65_535));
        Assert.Equal(-60_000, window.Available);
        Assert.Equal(0, window.Sendable(1000));

        // Updates first bring it back above zero.
        Assert.True(window.TryIncrease(60_010));
        Assert.Equal(10, window.Sendable(1000));
    }

    [Fact]
    public void S6_9_2_SettingsGrowth_AboveMaximum_Refused()
    {
        var window = new Http2FlowWindow(int.MaxValue - 10);
        Assert.False(window.TryAdjust(11));
        Assert.True(window.TryAdjust(10));
    }

    [Fact]
    public void Receive_MoreThanAllowed_Refused_WindowUnchanged()
    {
        var window = new Http2FlowWindow(100);
        Assert.True(window.TryConsume(60));
        Assert.False(window.TryConsume(41));
        Assert.Equal(40, window.Available);
        Assert.True(window.TryConsume(40));
    }

    [Fact]
    public void Send_MoreThanSendable_Throws()
    {
        var window = new Http2FlowWindow(10);
        Assert.Equal(10, window.Sendable(100));
        Assert.Throws<InvalidOperationException>(() => window.Consume(11));
    }

    [Fact]
    public void ReceiveWindow_Connection_InitialIncrementRaisesTo1MiB()
    {
        var window = new Http2ReceiveWindow(65_535, 1 << 20);
        Assert.Equal((1 << 20) - 65_535, window.TakeInitialIncrement());
        Assert.Equal(1 << 20, window.Available);
        Assert.Equal(0, window.TakeInitialIncrement());
    }

    [Fact]
    public void ReceiveWindow_CreditReturnedInHalfWindowBatches()
    {
        var window = new Http2ReceiveWindow(1000, 1000);
        Assert.True(window.TryReceive(400));
        Assert.Equal(0, window.OnConsumed(400));
        Assert.True(window.TryReceive(400));
        Assert.Equal(800, window.OnConsumed(400));
        Assert.Equal(1000, window.Available);
    }

    [Fact]
    public void ReceiveWindow_PeerOverrunsWindow_FlowControlError()
    {
        var window = new Http2ReceiveWindow(1000, 1000);
        Assert.True(window.TryReceive(1000));
        Assert.False(window.TryReceive(1));
        Assert.Equal(Http2ErrorCode.FlowControlError, Http2ErrorTable.CodeFor(Http2Error.StreamFlowControlExceeded));
        Assert.False(Http2ErrorTable.IsConnectionError(Http2Error.StreamFlowControlExceeded));
        Assert.True(Http2ErrorTable.IsConnectionError(Http2Error.ConnectionFlowControlExceeded));
    }

    [Fact]
    public void ReceiveWindow_NewTarget_MovesWindowByDifference()
    {
        var window = new Http2ReceiveWindow(1000, 1000);
        Assert.True(window.TryReceive(800));
        Assert.True(window.TrySetTarget(100));
        Assert.Equal(-700, window.Available);
    }

    [Fact]
    public void Windows_RandomTraffic_NeverExceedMaximum_NeverBelowMinusMaximum()
    {
        var random = new Random(6);
        var window = new Http2FlowWindow(65_535);
        for (var i = 0; i < 10_000; i++)
        {
            switch (random.Next(3))
            {
                case 0:
                    window.TryIncrease(random.Next(0, int.MaxValue));
                    break;
                case 1:
                    window.Consume(window.Sendable(random.Next(0, 1 << 20)));
                    break;
                default:
                    window.TryAdjust(random.Next(-65_535, 65_535));
                    break;
            }

            Assert.InRange(window.Available, -(long)int.MaxValue * 2, int.MaxValue);
        }
    }
}
