using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Engine.Async;
using Engine.Http2;

namespace Engine.Proxy;

/// <summary>A body of known length to an HTTP/2 stream, lent instead of copied.</summary>
internal static partial class BodyCopier
{
    /// <summary>
    /// Sends exactly <paramref name="length"/> bytes of <paramref name="source"/> as the rest of the
    /// stream's message, ending it: each read is lent to the stream (<see cref="Http2Stream.LendOutboundAsync"/>),
    /// which frames it straight from the source's buffer, and is consumed only once it went out. So
    /// the back-pressure is the source's own: while the client's windows hold the stream, unread
    /// bytes pile up in the source pipe until its reader (the upstream connection) pauses.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    public static async ValueTask<BodyResult> LendLengthAsync(PipeReader source, Http2Stream destination, long length, BodyCounter? counter = null)
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

            if (read.IsCanceled)
            {
                return BodyResult.Canceled;
            }

            var buffer = read.Buffer;
            if (buffer.IsEmpty && read.IsCompleted)
            {
                source.AdvanceTo(buffer.End);
                return BodyResult.SourceEnded;
            }

            var take = buffer.Length <= remaining ? buffer : buffer.Slice(0, remaining);
            if (take.IsEmpty)
            {
                source.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            remaining -= take.Length;
            var sent = await destination.LendOutboundAsync(take, endsMessage: remaining == 0).ConfigureAwait(false);
            source.AdvanceTo(take.End);
            if (!sent)
            {
                return BodyResult.DestinationGone;
            }

            counter?.Add(take.Length);
        }

        return BodyResult.Complete;
    }
}
