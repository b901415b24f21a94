using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Engine.Async;
using Engine.Transport;

namespace Engine.Proxy;

/// <summary>A body of known length to a destination that can send it from the source's own buffer.</summary>
internal static partial class BodyCopier
{
    /// <summary>
    /// Sends exactly <paramref name="length"/> bytes of <paramref name="source"/>, ending the
    /// message: each read is lent to the destination (<see cref="IOutboundLender"/>), which sends it
    /// straight from the source's buffer, and is consumed only once it went out. No copy in user
    /// space; the back-pressure is the source's own: while the client is slow, unread bytes pile
    /// up in the source pipe until its reader (the upstream connection) pauses.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    public static async ValueTask<BodyResult> LendLengthAsync(PipeReader source, IOutboundLender destination, long length, BodyCounter? counter = null)
    {
        var remaining = length;
        while (remaining > 0)
        {
            ReadResult read;
            try
            {
                read = await source.ReadAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
            {
                return BodyResult.SourceEnded;
            }

            if (!TryTake(source, read, remaining, out var take, out var ended))
            {
                return ended;
            }

            if (take.IsEmpty)
            {
                source.AdvanceTo(take.Start, read.Buffer.End);
                continue;
            }

            // The length is taken now: once consumed, the source may rewind or release the
            // segments the sequence points into, and a Length computed from them is garbage.
            var taken = take.Length;
            remaining -= taken;
            var sent = await destination.LendAsync(take, endsMessage: remaining == 0).ConfigureAwait(false);
            source.AdvanceTo(take.End);
            if (!sent)
            {
                return BodyResult.DestinationGone;
            }

            counter?.Add(taken);
        }

        return BodyResult.Complete;
    }

    /// <summary>
    /// Lends every read of <paramref name="source"/> until it completes, without ending the message
    /// (trailers may follow): an HTTP/2 upstream's answer of known length.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    public static async ValueTask<BodyResult> LendUntilEndAsync(PipeReader source, IOutboundLender destination, BodyCounter? counter = null)
    {
        while (true)
        {
            ReadResult read;
            try
            {
                read = await source.ReadAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
            {
                return BodyResult.SourceEnded;
            }

            if (read.IsCanceled)
            {
                return BodyResult.Canceled;
            }

            var buffer = read.Buffer;
            if (!buffer.IsEmpty)
            {
                var length = buffer.Length; // before the source may reuse the segments (see LendLengthAsync)
                var sent = await destination.LendAsync(buffer, endsMessage: false).ConfigureAwait(false);
                source.AdvanceTo(buffer.End);
                if (!sent)
                {
                    return BodyResult.DestinationGone;
                }

                counter?.Add(length);
            }
            else
            {
                source.AdvanceTo(buffer.End);
            }

            if (read.IsCompleted)
            {
                return BodyResult.Complete;
            }
        }
    }
}
