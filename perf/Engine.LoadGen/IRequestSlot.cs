namespace Engine.LoadGen;

/// <summary>
/// Something that can carry one request at a time: an HTTP/1.1 keep-alive connection is one
/// slot. The scheduler hands a due request to an idle slot, or queues it until one frees up.
/// </summary>
/// <remarks>
/// This is the protocol seam. h2c will fit behind it as one slot per concurrent stream of a
/// multiplexed connection (a connection object owning several slots that share its socket and
/// HPACK state); the scheduler, statistics and output do not change.
/// </remarks>
internal interface IRequestSlot
{
    /// <summary>
    /// Sends a request that was due at <paramref name="intendedTimestamp"/> (a Stopwatch
    /// timestamp). Called only on an idle slot, by the thread that took it from the idle set.
    /// </summary>
    void Send(long intendedTimestamp);
}
