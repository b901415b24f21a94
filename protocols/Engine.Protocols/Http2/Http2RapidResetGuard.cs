namespace Engine.Protocols.Http2;

/// <summary>
/// Rapid Reset (CVE-2023-44487) and MadeYouReset (CVE-2025-8671). Envoy's rule: a stream reset
/// before it lived <see cref="Http2Limits.PrematureResetMinStreamLifetime"/> is premature; once
/// <see cref="Http2Limits.PrematureResetTotalStreamCount"/> streams have closed, more than half of
/// them premature closes the connection — and before that many have closed, half that count of
/// premature resets already does. Resets are counted whoever sent them: a peer that makes us reset
/// (invalid frames, a zero WINDOW_UPDATE…) is as costly as one that resets (envoyproxy/envoy#40739).
/// <para>
/// Separately, streams the peer reset while our work for them (an upstream request) still runs are
/// capped at <see cref="Http2Limits.MaxResetStreamsInFlight"/>: the peer's concurrency slot frees at
/// once, so without a cap the work behind it would be unbounded.
/// </para>
/// </summary>
public sealed class Http2RapidResetGuard(in Http2Limits limits)
{
    private readonly long _threshold = limits.PrematureResetTotalStreamCount;
    private readonly TimeSpan _minLifetime = limits.PrematureResetMinStreamLifetime;
    private readonly int _maxResetInFlight = limits.MaxResetStreamsInFlight;

    public long ClosedStreams { get; private set; }

    public long PrematureResets { get; private set; }

    public int ResetStreamsInFlight { get; private set; }

    /// <summary>A stream closed after <paramref name="lifetime"/>; <paramref name="reset"/> when by RST_STREAM from either side.</summary>
    public Http2Error OnStreamClosed(TimeSpan lifetime, bool reset)
    {
        ClosedStreams++;
        if (reset && lifetime < _minLifetime)
        {
            PrematureResets++;
        }

        return PrematureResets * 2 >= Math.Max(_threshold, ClosedStreams + 1) ? Http2Error.RapidReset : Http2Error.None;
    }

    /// <summary>The peer reset a stream whose work has not finished yet.</summary>
    public Http2Error OnResetWhileRunning()
        => ++ResetStreamsInFlight > _maxResetInFlight ? Http2Error.TooManyResetStreamsInFlight : Http2Error.None;

    /// <summary>The work of a stream counted by <see cref="OnResetWhileRunning"/> has finished.</summary>
    public void OnResetWorkFinished() => ResetStreamsInFlight = Math.Max(0, ResetStreamsInFlight - 1);

    public void Reset()
    {
        ClosedStreams = PrematureResets = 0;
        ResetStreamsInFlight = 0;
    }
}
