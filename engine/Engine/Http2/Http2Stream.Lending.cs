using System.Buffers;

namespace Engine.Http2;

/// <summary>
/// Lending: the owner hands the writer bytes that stay in the owner's own buffer, and the writer
/// frames them as DATA from there. A proxied answer's body is otherwise copied twice in user
/// space, from the upstream connection's input into the stream's outbound pipe and from there into
/// the connection's output; at 64 KiB answers the two copies were 13% of the engine's CPU (perf),
/// and lending removes the first.
/// </summary>
internal abstract partial class Http2Stream
{
    private Http2OutboundLend? _lend;

    /// <summary>The owner wrote body bytes into the outbound pipe (owner only; cleared on reuse).</summary>
    internal bool OutboundPipeWritten;

    /// <summary>The writer's last peek returned lent bytes, so its consume goes to the lend (writer loop only).</summary>
    private bool _peekedLend;

    /// <summary>
    /// Sends <paramref name="data"/> as DATA within the windows without copying it into the stream.
    /// The buffer must stay valid and unchanged until the returned task completes: true when every
    /// byte was framed, false when the stream is gone (reset, or the connection lost); either way
    /// the writer has let go of it. <paramref name="endsMessage"/>: the message ends with these
    /// bytes (END_STREAM rides on the last DATA frame; no trailers may follow). A body goes either
    /// through the outbound pipe or by lending, never both: one lend at a time, after the head.
    /// </summary>
    public ValueTask<bool> LendAsync(in ReadOnlySequence<byte> data, bool endsMessage)
    {
        var lend = _lend ??= new Http2OutboundLend();
        ValueTask<bool> returned;
        using (Connection.Sync.EnterScope())
        {
            if (OutputEnded)
            {
                return new ValueTask<bool>(false);
            }

            if (lend.Active || OutboundPipeWritten || OutboundWhole || (!HeadPending && !HeadSent) || data.IsEmpty)
            {
                throw new InvalidOperationException("A lend needs a head, a non-empty buffer, no lend out and nothing written to the outbound pipe.");
            }

            returned = lend.Begin(data, endsMessage);
            if (endsMessage)
            {
                OutboundCompleteRequested = true;
            }
        }

        Connection.OnOutboundData(this);
        return returned;
    }

    /// <summary>The lent bytes not yet framed (the writer loop only, with a lend out).</summary>
    private static void PeekLent(Http2OutboundLend lend, out ReadOnlySequence<byte> buffer, out bool completed)
    {
        buffer = lend.Sent == 0 ? lend.Data : lend.Data.Slice(lend.Sent);
        completed = lend.EndsMessage;
    }

    /// <summary>
    /// <paramref name="bytes"/> more lent bytes were framed (the writer loop only). When that is all
    /// of them, the owner gets its buffer back; its continuation runs here, as a waiting flush of
    /// the outbound pipe would, and may lend again at once.
    /// </summary>
    private void ConsumeLent(Http2OutboundLend lend, long bytes)
    {
        lend.Sent += bytes;
        if (bytes == 0 || lend.Sent < lend.Data.Length)
        {
            return;
        }

        using (Connection.Sync.EnterScope())
        {
            lend.EndLocked();
        }

        lend.Complete(sent: true);
    }

    /// <summary>The writer is done with the stream (sent or abandoned): a lend still out ends unsent.</summary>
    private void AbandonLend()
    {
        var lend = _lend!;
        bool wake;
        using (Connection.Sync.EnterScope())
        {
            wake = lend.Active;
            if (wake)
            {
                lend.EndLocked();
            }
        }

        if (wake)
        {
            lend.Complete(sent: false);
        }
    }
}
