using System.Buffers;
using Engine.Protocols.Http2;
using static Engine.Protocols.Tests.Http2.Frames;

namespace Engine.Protocols.Tests.Http2;

/// <summary>RFC 9113 §6.5.2–§6.5.3: applying a peer's SETTINGS.</summary>
public class Http2SettingsTests
{
    [Fact]
    public void Defaults_AreTheRfcInitialValues()
    {
        var settings = new Http2Settings();
        Assert.Equal((4096u, true, uint.MaxValue, 65_535, 16_384, uint.MaxValue), (settings.HeaderTableSize, settings.EnablePush, settings.MaxConcurrentStreams, settings.InitialWindowSize, settings.MaxFrameSize, settings.MaxHeaderListSize));
    }

    [Fact]
    public void Apply_InOrder_LastValueWins_DeltaOfInitialWindow()
    {
        var settings = new Http2Settings();
        byte[] payload =
        [
            .. Setting(Http2SettingsParameter.InitialWindowSize, 100_000),
            .. Setting(Http2SettingsParameter.MaxFrameSize, 32_768),
            .. Setting(Http2SettingsParameter.HeaderTableSize, 0),
            .. Setting(Http2SettingsParameter.MaxConcurrentStreams, 10),
            .. Setting(Http2SettingsParameter.MaxHeaderListSize, 8192),
            .. Setting((Http2SettingsParameter)0x99, 1),
            .. Setting(Http2SettingsParameter.InitialWindowSize, 1000),
        ];

        Assert.Equal(Http2Error.None, settings.Apply(new ReadOnlySequence<byte>(payload), receivedByClient: false, out var delta));
        Assert.Equal(1000 - 65_535, delta);
        Assert.Equal((0u, 10u, 1000, 32_768, 8192u), (settings.HeaderTableSize, settings.MaxConcurrentStreams, settings.InitialWindowSize, settings.MaxFrameSize, settings.MaxHeaderListSize));
    }

    [Fact]
    public void Apply_ServerEnablingPush_ClientConnectionError()
    {
        var settings = new Http2Settings();
        var payload = new ReadOnlySequence<byte>(Setting(Http2SettingsParameter.EnablePush, 1));
        Assert.Equal(Http2Error.ServerEnabledPush, settings.Apply(payload, receivedByClient: true, out _));
        Assert.Equal(Http2Error.None, new Http2Settings().Apply(payload, receivedByClient: false, out _));
        Assert.Equal(Http2Error.None, settings.Apply(new ReadOnlySequence<byte>(Setting(Http2SettingsParameter.EnablePush, 0)), receivedByClient: true, out _));
        Assert.False(settings.EnablePush);
    }

    [Fact]
    public void Apply_InvalidValue_Refused()
    {
        var settings = new Http2Settings();
        Assert.Equal(Http2Error.SettingsInitialWindowTooLarge, settings.Apply(new ReadOnlySequence<byte>(Setting(Http2SettingsParameter.InitialWindowSize, 0x8000_0000)), false, out _));
    }

    [Fact]
    public void FromLimits_AdvertisesOurLimits()
    {
        var settings = Http2Settings.FromLimits(Http2Limits.Default with { MaxConcurrentStreams = 7, HeaderTableSize = 1024 });
        Assert.Equal((1024u, false, 7u, 1 << 20, 16_384), (settings.HeaderTableSize, settings.EnablePush, settings.MaxConcurrentStreams, settings.InitialWindowSize, settings.MaxFrameSize));
    }
}
