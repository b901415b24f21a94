using System.IO.Pipelines;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Microsoft.AspNetCore.Connections;

namespace Engine.Upstream;

/// <summary>
/// One pooled HTTP/1.1 connection to an endpoint: the socket wrapped in Kestrel's transport, so
/// the forwarder reads and writes pipes on both sides.
/// </summary>
internal sealed class UpstreamConnection : IAbortableUpstream
{
    private readonly ConnectionContext _context;
    private Http1HeadMemo<HttpResponseHead>? _responseHeads;
    private int _closed;

    public UpstreamConnection(ConnectionContext context, Http1ConnectionPool pool)
    {
        _context = context;
        Pool = pool;
        Input = context.Transport.Input;
        Output = context.Transport.Output;
    }

    public PipeReader Input { get; }

    /// <summary>Stopwatch timestamp of the connect (for maxConnectionDuration).</summary>
    public long OpenedAt { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    public PipeWriter Output { get; }

    public Http1ConnectionPool Pool { get; }

    /// <summary>Requests completed on this connection; &gt; 0 means a failure may be a stale keep-alive race.</summary>
    public int RequestsServed { get; set; }

    /// <summary>Stopwatch timestamp when the connection was parked idle.</summary>
    public long IdleSince { get; set; }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>
    /// The last response head this connection brought, parsed once it repeats (an endpoint answering
    /// the same request the same way). The exchange asks for it from the second answer on, so a
    /// connection used once does not make one.
    /// </summary>
    public Http1HeadMemo<HttpResponseHead> ResponseHeads => _responseHeads ??= new();

    /// <summary>
    /// Checks a parked connection before reuse without waiting: anything readable on an idle
    /// HTTP/1.1 connection (a FIN, a reset, or stray bytes) means it must not carry a request.
    /// </summary>
    public bool IsIdleHealthy()
    {
        if (IsClosed)
        {
            return false;
        }

        if (!Input.TryRead(out var result))
        {
            return true;
        }

        Input.AdvanceTo(result.Buffer.Start);
        return false;
    }

    /// <summary>
    /// Tears the socket down now (the client of the request went away, or a timeout fired); any
    /// pending read completes. The owner still discards the connection through its pool.
    /// </summary>
    public void Abort()
    {
        try
        {
            _context.Abort(new ConnectionAbortedException("upstream request abandoned"));
        }
        catch (Exception)
        {
            // Already torn down.
        }
    }

    /// <summary>Closes the connection; safe to call more than once and from any thread.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _ = DisposeInBackgroundAsync();
    }

    private async Task DisposeInBackgroundAsync()
    {
        try
        {
            await Input.CompleteAsync().ConfigureAwait(false);
            await Output.CompleteAsync().ConfigureAwait(false);
            _context.Abort();
            await _context.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The connection is being thrown away; a failure to close it politely changes nothing.
        }
    }
}
