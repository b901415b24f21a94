using System.Buffers;
using System.IO.Pipelines;

namespace Engine.Interception;

/// <summary>Protocol detection on an intercepted connection: the first bytes looked at, none consumed.</summary>
internal static class PipePeek
{
    /// <summary>
    /// Reads until <paramref name="look"/> decides, consuming nothing: the next
    /// reader's first ReadAsync returns the same bytes at once. A client that stops sending, or
    /// sends nothing within <paramref name="detectionTimeout"/>, gets <paramref name="undecided"/>.
    /// </summary>
    public static async Task<T> PeekAsync<T>(PipeReader input, TimeSpan detectionTimeout, TimeProvider time, Func<ReadOnlySequence<byte>, (bool Decided, T Answer)> look, T undecided)
    {
        using var timeout = new CancellationTokenSource(detectionTimeout, time);
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return undecided;
            }

            var (decided, answer) = look(read.Buffer);
            if (decided)
            {
                input.AdvanceTo(read.Buffer.Start);
                return answer;
            }

            input.AdvanceTo(read.Buffer.Start, read.Buffer.End); // wait for more than this

            if (read.IsCompleted || read.IsCanceled)
            {
                return undecided; // the client finished before saying more: pass on what it sent
            }
        }
    }
}
