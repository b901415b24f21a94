using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Engine.Proxy;

namespace Engine.Interception;

/// <summary>
/// Moves bytes both ways between a client and an upstream at L4 (Envoy's tcp_proxy), with
/// half-close: a FIN from one side is forwarded as a FIN (<c>shutdown(SHUT_WR)</c>) to the
/// other while the opposite direction keeps flowing, until both have finished.
/// </summary>
/// <remarks>
/// <para>
/// The client side is read from the listener's pipe (it already holds the bytes protocol
/// detection looked at) but written straight to its socket: Kestrel's socket transport cannot
/// half-close — completing its output shuts the socket down both ways — so the transport's
/// output is left unused and the FIN is sent with <see cref="Socket.Shutdown"/>.
/// </para>
/// <para>
/// The upstream side is a socket, or TLS over it (<see cref="L4Upstream"/>). Its reads wait with a
/// zero-byte receive and rent a buffer only when data is there, so an idle connection holds no buffer.
/// </para>
/// <para>
/// A reset on either side ends both directions (the caller then resets or closes the other
/// side); so does the idle timeout, measured from the last byte moved either way, and the
/// maximum duration, measured from the start (zero: neither, or no limit).
/// </para>
/// <para>
/// Through a POST tunnel (<see cref="PostTunnelFraming"/>) the bytes travel inside an HTTP/1.1
/// exchange: the client's go up as chunks and its FIN as the last chunk; the answer's body comes
/// down out of its framing, and its end is the FIN. A broken or cut-off body is an upstream reset.
/// </para>
/// </remarks>
internal static class TcpProxy
{
    private const int BufferSize = 16 * 1024;

    public static async Task<TcpProxyResult> RunAsync(
        PipeReader clientInput, Socket client, L4Upstream upstream, TimeSpan idleTimeout, TimeProvider time, CancellationToken stopping, TimeSpan maxDuration = default,
        PostTunnelFraming? post = null)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var idle = new IdleWatch(idleTimeout, time, cancel);
        using var lifetime = new IdleWatch(maxDuration, time, cancel); // never touched: fires maxDuration after the start
        var toUpstream = ClientToUpstreamAsync(clientInput, upstream, idle, post is not null, cancel.Token);
        var toClient = post is null ? UpstreamToClientAsync(upstream, client, idle, cancel.Token) : PostAnswerToClientAsync(upstream, client, idle, post, cancel.Token);

        // When one direction fails the other has nothing left to do; a clean FIN leaves it running.
        var first = await Task.WhenAny(toUpstream, toClient).ConfigureAwait(false);
        if ((await first.ConfigureAwait(false)).End != DirectionEnd.Finished)
        {
            await cancel.CancelAsync().ConfigureAwait(false);
        }

        var up = await toUpstream.ConfigureAwait(false);
        var down = await toClient.ConfigureAwait(false);
        var end = (up.End, down.End) switch
        {
            (DirectionEnd.Finished, DirectionEnd.Finished) => TcpProxyEnd.Closed,
            (DirectionEnd.SourceFailed, _) or (_, DirectionEnd.DestinationFailed) => TcpProxyEnd.ClientReset,
            (DirectionEnd.DestinationFailed, _) or (_, DirectionEnd.SourceFailed) => TcpProxyEnd.UpstreamReset,
            _ => idle.Fired ? TcpProxyEnd.IdleTimeout : lifetime.Fired ? TcpProxyEnd.MaxDuration : TcpProxyEnd.Shutdown,
        };
        return new TcpProxyResult(up.Bytes, down.Bytes, end);
    }

    private enum DirectionEnd
    {
        Finished,
        SourceFailed,
        DestinationFailed,
        Canceled,
    }

    private static async Task<(long Bytes, DirectionEnd End)> ClientToUpstreamAsync(PipeReader input, L4Upstream upstream, IdleWatch idle, bool chunked, CancellationToken cancel)
    {
        long bytes = 0;
        var sizeLine = chunked ? new byte[32] : null;
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync(cancel).ConfigureAwait(false);
            }
            catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
            {
                return (bytes, cancel.IsCancellationRequested ? DirectionEnd.Canceled : DirectionEnd.SourceFailed);
            }

            var buffer = read.Buffer;
            try
            {
                if (sizeLine is not null && !buffer.IsEmpty)
                {
                    var length = PostTunnelFraming.WriteChunkHeader(sizeLine, buffer.Length);
                    await upstream.SendAsync(sizeLine.AsMemory(0, length), cancel).ConfigureAwait(false);
                }

                foreach (var segment in buffer)
                {
                    await upstream.SendAsync(segment, cancel).ConfigureAwait(false);
                    bytes += segment.Length;
                    idle.Touch();
                }

                if (chunked && !buffer.IsEmpty)
                {
                    await upstream.SendAsync(PostTunnelFraming.ChunkEnd, cancel).ConfigureAwait(false);
                }

                if (read.IsCompleted)
                {
                    if (chunked)
                    {
                        // The request's end; the connection stays open for the answer's body.
                        await upstream.SendAsync(PostTunnelFraming.LastChunk, cancel).ConfigureAwait(false);
                    }
                    else
                    {
                        await upstream.ShutdownSendAsync().ConfigureAwait(false); // the client's FIN, forwarded
                    }

                    return (bytes, DirectionEnd.Finished);
                }
            }
            catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
            {
                return (bytes, cancel.IsCancellationRequested ? DirectionEnd.Canceled : DirectionEnd.DestinationFailed);
            }
            finally
            {
                input.AdvanceTo(buffer.End);
            }

            if (read.IsCanceled)
            {
                return (bytes, DirectionEnd.Canceled);
            }
        }
    }

    private static async Task<(long Bytes, DirectionEnd End)> UpstreamToClientAsync(L4Upstream upstream, Socket client, IdleWatch idle, CancellationToken cancel)
    {
        long bytes = 0;
        while (true)
        {
            byte[]? buffer = null;
            var received = 0;
            try
            {
                // Wait for data without holding a buffer, then take what is there.
                await upstream.ReceiveAsync(Memory<byte>.Empty, cancel).ConfigureAwait(false);
                buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                received = await upstream.ReceiveAsync(buffer.AsMemory(), cancel).ConfigureAwait(false);
            }
            catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
            {
                Return(buffer);
                return (bytes, cancel.IsCancellationRequested ? DirectionEnd.Canceled : DirectionEnd.SourceFailed);
            }

            try
            {
                if (received == 0)
                {
                    client.Shutdown(SocketShutdown.Send); // the upstream's FIN, forwarded
                    return (bytes, DirectionEnd.Finished);
                }

                await client.SendAsync(buffer.AsMemory(0, received), SocketFlags.None, cancel).ConfigureAwait(false);
                bytes += received;
                idle.Touch();
            }
            catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
            {
                return (bytes, cancel.IsCancellationRequested ? DirectionEnd.Canceled : DirectionEnd.DestinationFailed);
            }
            finally
            {
                Return(buffer);
            }
        }
    }

    /// <summary>A POST tunnel's answer body to the client, out of its framing; its end is the client's FIN.</summary>
    private static async Task<(long Bytes, DirectionEnd End)> PostAnswerToClientAsync(L4Upstream upstream, Socket client, IdleWatch idle, PostTunnelFraming post, CancellationToken cancel)
    {
        long bytes = 0;
        if (post.EmptyBody)
        {
            client.Shutdown(SocketShutdown.Send);
            return (bytes, DirectionEnd.Finished);
        }

        var buffer = new byte[BufferSize];
        var body = new ArrayBufferWriter<byte>(BufferSize);
        while (true)
        {
            int received;
            try
            {
                received = await upstream.ReceiveAsync(buffer, cancel).ConfigureAwait(false);
            }
            catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
            {
                return (bytes, cancel.IsCancellationRequested ? DirectionEnd.Canceled : DirectionEnd.SourceFailed);
            }

            if (received == 0 && !post.EndsAtClose)
            {
                return (bytes, DirectionEnd.SourceFailed); // cut off before the body's end
            }

            body.ResetWrittenCount();
            var ended = true; // a FIN that ends a body running to the close
            if (received > 0)
            {
                ended = post.Decode(buffer.AsMemory(0, received), body, out var invalid);
                if (invalid)
                {
                    return (bytes, DirectionEnd.SourceFailed); // broken framing: as a reset
                }
            }

            try
            {
                if (body.WrittenCount > 0)
                {
                    await client.SendAsync(body.WrittenMemory, SocketFlags.None, cancel).ConfigureAwait(false);
                    bytes += body.WrittenCount;
                    idle.Touch();
                }

                if (ended)
                {
                    client.Shutdown(SocketShutdown.Send); // the answer's end, as a FIN
                    return (bytes, DirectionEnd.Finished);
                }
            }
            catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
            {
                return (bytes, cancel.IsCancellationRequested ? DirectionEnd.Canceled : DirectionEnd.DestinationFailed);
            }
        }
    }

    private static void Return(byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
