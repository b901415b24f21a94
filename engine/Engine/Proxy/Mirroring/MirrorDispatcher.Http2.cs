using System.Buffers;
using Engine.Http2;
using Engine.Http2.Client;
using Engine.Protocols.Http;
using Engine.Upstream;

namespace Engine.Proxy.Mirroring;

/// <summary>
/// Copies for clusters that speak HTTP/2 (gRPC, http2 ports, h2UpgradePolicy UPGRADE): a stream of
/// the endpoint's multiplexed pool, as the request itself would take, not an HTTP/1.1 message an
/// HTTP/2-only server (a gRPC one) cannot read. The same bounds, deadline and counters as the
/// HTTP/1.1 copies.
/// </summary>
internal sealed partial class MirrorDispatcher
{
    /// <summary>
    /// Queues a copy for an HTTP/2 cluster: <paramref name="head"/> as the stream's head (its own
    /// object from now on) and the first <paramref name="length"/> bytes of the pooled
    /// <paramref name="body"/>, owned by the dispatcher from now on. False (a drop) when over the bounds.
    /// </summary>
    public bool TryDispatchHttp2(Cluster cluster, HttpRequestHead head, byte[] body, int length)
    {
        if (!TryAdmit(cluster, length))
        {
            ArrayPool<byte>.Shared.Return(body);
            return false;
        }

        _ = SendHttp2Async(cluster, head, body, length);
        return true;
    }

    private async Task SendHttp2Async(Cluster cluster, HttpRequestHead head, byte[] body, int length)
    {
        var ok = false;
        using var deadline = new CancellationTokenSource(_timeout);
        try
        {
            if (cluster.Pick() is not { } endpoint)
            {
                return;
            }

            endpoint.RequestStarted();
            try
            {
                var open = await endpoint.Pool.Http2.OpenStreamAsync(deadline.Token).ConfigureAwait(false);
                if (open.Stream is { } stream)
                {
                    using (stream)
                    using (deadline.Token.UnsafeRegister(static s => ((IAbortableUpstream)s!).Abort(), stream))
                    {
                        ok = await ExchangeAsync(stream, head, new ReadOnlySequence<byte>(body, 0, length)).ConfigureAwait(false);
                    }
                }
            }
            finally
            {
                endpoint.RequestFinished();
            }
        }
        catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
        {
            ok = false;
        }
        finally
        {
            Settle(cluster, ok, length);
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    /// <summary>Sends the copy and reads its answer to the end, throwing it away; true when the stream completed.</summary>
    private static async Task<bool> ExchangeAsync(Http2ClientStream stream, HttpRequestHead head, ReadOnlySequence<byte> body)
    {
        if (body.Length <= stream.Connection.Options.MaxBufferedBytesPerStream)
        {
            if (!await stream.WriteRequestAsync(head, body).ConfigureAwait(false))
            {
                return false;
            }
        }
        else
        {
            if (!await stream.WriteRequestHeadAsync(head, endStream: false).ConfigureAwait(false))
            {
                return false;
            }

            BodyCopier.Write(stream.RequestBody, body);
            if (await BodyCopier.FlushAsync(stream.RequestBody).ConfigureAwait(false) != BodyResult.Complete)
            {
                return false;
            }

            await stream.RequestBody.CompleteAsync().ConfigureAwait(false);
        }

        if (!await stream.ReadResponseHeadAsync().ConfigureAwait(false))
        {
            return false;
        }

        while (true)
        {
            var read = await stream.ResponseBody.ReadAsync().ConfigureAwait(false);
            stream.ResponseBody.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted || read.IsCanceled)
            {
                return !read.IsCanceled && stream.End.Kind is not (Http2StreamEndKind.ResetByPeer or Http2StreamEndKind.ResetLocally or Http2StreamEndKind.ConnectionLost);
            }
        }
    }
}
