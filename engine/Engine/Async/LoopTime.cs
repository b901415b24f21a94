using System.Diagnostics;

namespace Engine.Async;

/// <summary>
/// The time as of the current batch of events on an event-loop thread: read from the clocks once
/// when the loop's wait returns, and then by every request that batch serves. Off a loop thread
/// (the Kestrel transport, timers, the thread pool) it is the clocks themselves.
/// </summary>
/// <remarks>
/// <para>
/// A small request read the clocks eight times (its start, twice; its connection's idle deadline;
/// its upstream connection's idle stamp; the upstream's service time, twice; its duration), and in
/// this VM a monotonic read costs about 23 ns: about 1% of the proxy's CPU per request. Envoy's
/// event loop keeps the same kind of "approximate monotonic time" for its timers.
/// </para>
/// <para>
/// What it is right for: deadlines of seconds (idle and head timeouts, a pooled connection's idle
/// time, the rapid-reset guard's stream lifetimes) and a request's start. A batch handles bytes
/// that had arrived by the time its wait returned (or while it ran), so a request's start is at
/// most the batch's length early, and a request that waited behind the rest of its batch has
/// that wait counted in its duration, as its client saw it. What it is not for: an interval whose
/// two ends may fall in one batch, or one reported in milliseconds (the upstream's service time);
/// those read <see cref="Stopwatch"/>. A deadline armed late in a long batch fires early by what
/// the batch had taken: a few milliseconds at most under full load.
/// </para>
/// </remarks>
internal static class LoopTime
{
    [ThreadStatic]
    private static long t_timestamp; // Stopwatch ticks at the batch's start; 0 off a loop thread

    [ThreadStatic]
    private static long t_utcTicks;  // DateTime ticks (UTC) read together with it

    /// <summary>Called by an event loop each time its wait returns, before it handles the events.</summary>
    public static void Refresh()
    {
        t_timestamp = Stopwatch.GetTimestamp();
        t_utcTicks = TimeProvider.System.GetUtcNow().UtcTicks;
    }

    /// <summary>A <see cref="Stopwatch"/> timestamp: the batch's on a loop thread, the clock's elsewhere.</summary>
    public static long GetTimestamp()
    {
        var batch = t_timestamp;
        return batch != 0 ? batch : Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// <paramref name="time"/>'s timestamp: the batch's when it is the system's clock and this is
    /// a loop thread; a test's clock is always read itself.
    /// </summary>
    public static long GetTimestamp(TimeProvider time) =>
        ReferenceEquals(time, TimeProvider.System) ? GetTimestamp() : time.GetTimestamp();

    /// <summary><paramref name="time"/>'s wall clock, as <see cref="GetTimestamp(TimeProvider)"/>.</summary>
    public static DateTimeOffset GetUtcNow(TimeProvider time)
    {
        var batch = t_utcTicks;
        return batch != 0 && ReferenceEquals(time, TimeProvider.System)
            ? new DateTimeOffset(batch, TimeSpan.Zero)
            : time.GetUtcNow();
    }
}
