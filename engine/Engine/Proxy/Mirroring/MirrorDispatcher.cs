using System.Buffers;
using System.IO.Pipelines;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Upstream;

namespace Engine.Proxy.Mirroring;

/// <summary>
/// Sends mirrored copies of requests (<c>mirror</c>/<c>mirrors</c>), fire and forget: the copy's
/// response is read and dropped, its failures only counted, and the client's request never waits
/// for it. Bounded: at most <see cref="MaxInFlight"/> copies and <see cref="MaxBytesInFlight"/>
/// bytes at once; beyond that copies are dropped and counted, so a slow mirror cannot grow memory.
/// Each copy has its own deadline, so a stalled mirror frees its slot.
/// </summary>
internal sealed partial class MirrorDispatcher
{
    private readonly TimeSpan _timeout;
    private long _inFlight;
    private long _bytesInFlight;
    private long _sent;
    private long _dropped;
    private long _failed;

    public MirrorDispatcher(int maxInFlight = 256, long maxBytesInFlight = 32L * 1024 * 1024, TimeSpan? timeout = null)
    {
        MaxInFlight = maxInFlight;
        MaxBytesInFlight = maxBytesInFlight;
        _timeout = timeout ?? TimeSpan.FromSeconds(30);
    }

    public int MaxInFlight { get; }

    public long MaxBytesInFlight { get; }

    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>Copies that reached a mirror and got an answer.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Copies not sent because the mirror traffic was at its bound (or the body could not be copied).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Copies that failed (no endpoint, connect error, reset, timeout, bad response).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public void CountDropped() => Interlocked.Increment(ref _dropped);

    /// <summary>
    /// Queues a copy. <paramref name="request"/> is the serialised request (head and body), owned
    /// by the dispatcher from now on. Returns false (and counts a drop) when over the bounds.
    /// </summary>
    public bool TryDispatch(Cluster cluster, byte[] request, int length)
    {
        if (!TryAdmit(cluster, length))
        {
            ArrayPool<byte>.Shared.Return(request);
            return false;
        }

        _ = SendAsync(cluster, request, length);
        return true;
    }

    /// <summary>
    /// Takes a slot and <paramref name="length"/> bytes of the bounds, and a request of the mirror
    /// cluster's circuit breaker (Envoy's shadows go through the cluster's pool and its limits, and
    /// an overflow loses the copy), or counts a drop.
    /// </summary>
    private bool TryAdmit(Cluster cluster, int length)
    {
        if (Interlocked.Increment(ref _inFlight) > MaxInFlight || Interlocked.Add(ref _bytesInFlight, length) > MaxBytesInFlight
            || !cluster.Breaker.TryStartRequest())
        {
            Interlocked.Decrement(ref _inFlight);
            Interlocked.Add(ref _bytesInFlight, -length);
            Interlocked.Increment(ref _dropped);
            return false;
        }

        return true;
    }

    /// <summary>Counts a copy's outcome and gives its slot, bytes and breaker request back.</summary>
    private void Settle(Cluster cluster, bool ok, int length)
    {
        cluster.Breaker.EndRequest();
        Interlocked.Increment(ref ok ? ref _sent : ref _failed);
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Add(ref _bytesInFlight, -length);
    }

    private async Task SendAsync(Cluster cluster, byte[] request, int length)
    {
        UpstreamConnection? connection = null;
        var endpoint = cluster.Pick();
        var ok = false;
        using var deadline = new CancellationTokenSource(_timeout);
        try
        {
            if (endpoint is null)
            {
                return;
            }

            endpoint.RequestStarted();
            try
            {
                connection = endpoint.Pool.TryTakeIdle();
                if (connection is null)
                {
                    var (_, opened) = await endpoint.Pool.ConnectAsync(deadline.Token).ConfigureAwait(false);
                    connection = opened;
                }

                if (connection is null)
                {
                    return;
                }

                using var abort = deadline.Token.UnsafeRegister(static s => ((UpstreamConnection)s!).Abort(), connection);
                await connection.Output.WriteAsync(request.AsMemory(0, length), deadline.Token).ConfigureAwait(false);
                ok = await DrainResponseAsync(connection.Input).ConfigureAwait(false);
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
            if (connection is not null)
            {
                if (ok)
                {
                    connection.Pool.Return(connection);
                }
                else
                {
                    connection.Pool.Discard(connection);
                }
            }

            Settle(cluster, ok, length);
            ArrayPool<byte>.Shared.Return(request);
        }
    }

    /// <summary>Reads one response and throws its body away; true when the connection can be reused.</summary>
    private static async Task<bool> DrainResponseAsync(PipeReader input)
    {
        var head = new HttpResponseHead();
        while (true)
        {
            var read = await input.ReadAsync().ConfigureAwait(false);
            var status = Http1ResponseParser.TryParseResponse(read.Buffer, head, Http1Limits.Default, out var consumed, out _);
            if (status == Http1ParseStatus.Error)
            {
                return false;
            }

            if (status == Http1ParseStatus.Incomplete)
            {
                input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                if (read.IsCompleted)
                {
                    return false;
                }

                continue;
            }

            input.AdvanceTo(consumed);
            if (head.StatusCode >= 200)
            {
                break;
            }
        }

        var sink = new DiscardWriter();
        BodyResult body;
        if (!HttpResponseHead.CanHaveBody(HttpMethod.Get, head.StatusCode))
        {
            body = BodyResult.Complete;
        }
        else if (head.Chunked)
        {
            body = await BodyCopier.CopyChunkedAsync(input, sink, new ChunkedDecoder(), encodeChunked: false).ConfigureAwait(false);
        }
        else if (head.ContentLength >= 0)
        {
            body = await BodyCopier.CopyLengthAsync(input, sink, head.ContentLength).ConfigureAwait(false);
        }
        else
        {
            await BodyCopier.CopyUntilCloseAsync(input, sink, encodeChunked: false).ConfigureAwait(false);
            return false;
        }

        return body == BodyResult.Complete && Http1Persistence.IsPersistent(head);
    }
}
