using System.IO.Pipelines;
using Engine.Interception;

namespace Engine.Proxy;

/// <summary>
/// The bytes of an upgraded connection (a WebSocket after 101 Switching Protocols), both ways,
/// as they come: Envoy does not read WebSocket frames either. An end of one side is passed on as
/// the end of the other's output (a FIN on the epoll transport) while the opposite direction runs
/// on, as the TCP proxy does, until both have ended; the idle timeout, measured from the last byte
/// either way, ends both, and so does the route timeout: Envoy's covers the whole upgraded stream
/// (a VirtualService timeout closes WebSockets, which is why Istio users leave it unset for them).
/// </summary>
internal static class UpgradeTunnel
{
    public static async Task<(long Up, long Down)> RunAsync(
        PipeReader clientInput, PipeWriter clientOutput, PipeReader upstreamInput, PipeWriter upstreamOutput, TimeSpan idleTimeout, TimeProvider time,
        CancellationToken routeDeadline)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(routeDeadline);
        using var idle = new IdleWatch(idleTimeout, time, cancel);
        using var stop = cancel.Token.UnsafeRegister(_ =>
        {
            // Runs on a timer's thread (idle or route deadline), where an exception would end the
            // process: a pipe a pump has just completed must not take everyone else down with it.
            try
            {
                clientInput.CancelPendingRead();
                upstreamInput.CancelPendingRead();
                clientOutput.CancelPendingFlush();
                upstreamOutput.CancelPendingFlush();
            }
            catch (InvalidOperationException)
            {
            }
        }, null);
        var up = PumpAsync(clientInput, upstreamOutput, idle, cancel);
        var down = PumpAsync(upstreamInput, clientOutput, idle, cancel);
        return (await up.ConfigureAwait(false), await down.ConfigureAwait(false));
    }

    /// <summary>
    /// One direction until its source ends. A clean end (FIN, END_STREAM) ends only this direction;
    /// an abrupt one (a reset, a failed connection, a stream cut short) ends the whole tunnel, as a
    /// reset on one side of Envoy's TCP proxy closes the other: the opposite direction would
    /// otherwise wait on a peer that has nobody left to talk to until the idle timeout.
    /// </summary>
    private static async Task<long> PumpAsync(PipeReader source, PipeWriter destination, IdleWatch idle, CancellationTokenSource tunnel)
    {
        long bytes = 0;
        var abrupt = false;
        try
        {
            while (true)
            {
                var read = await source.ReadAsync().ConfigureAwait(false);
                var buffer = read.Buffer;
                if (!buffer.IsEmpty)
                {
                    BodyCopier.Write(destination, buffer);
                    bytes += buffer.Length;
                    idle.Touch();
                }

                source.AdvanceTo(buffer.End);
                var flushed = await destination.FlushAsync().ConfigureAwait(false);
                if (read.IsCompleted || read.IsCanceled || flushed.IsCompleted || flushed.IsCanceled)
                {
                    abrupt = read.IsCanceled || flushed.IsCanceled;
                    break;
                }
            }
        }
        catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
        {
            abrupt = true; // one side is gone: ending the other's output below tells it so
        }
        finally
        {
            await destination.CompleteAsync().ConfigureAwait(false);
        }

        if (abrupt)
        {
            try
            {
                tunnel.Cancel(); // the other direction's pending read or flush ends now
            }
            catch (ObjectDisposedException)
            {
            }
        }

        return bytes;
    }
}
