using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Engine.Transport.Tls;

/// <summary>
/// An upstream connection that speaks TLS over a plaintext transport connection, seen by the
/// HTTP/1.1 and HTTP/2 client code as the same <see cref="ConnectionContext"/> with plaintext
/// pipes: the codecs above are unchanged, and plaintext connections never pass through here.
/// </summary>
/// <remarks>
/// Two pumps move bytes: upstream → SslStream (decrypt) → <see cref="Transport"/>.Input, and
/// <see cref="Transport"/>.Output → SslStream (encrypt) → upstream. The input is a real pipe
/// rather than a reader over the stream so that an idle pooled connection the server closed shows
/// as completed input at once (Http1ConnectionPool's idle check reads without waiting). Pipes
/// resume their readers inline, as the transport's do.
/// </remarks>
internal sealed class TlsClientConnection : ConnectionContext
{
    /// <summary>How long a closing connection waits for what the owner last wrote to be encrypted and sent.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Writes smaller than this that span several pipe segments are sent as one TLS record.</summary>
    private const int CoalesceLimit = 16 * 1024;

    private readonly ConnectionContext _inner;
    private readonly SslStream _ssl;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private IDuplexPipe _transport;
    private Task _readPump = Task.CompletedTask;
    private Task _writePump = Task.CompletedTask;

    private TlsClientConnection(ConnectionContext inner, SslStream ssl)
    {
        _inner = inner;
        _ssl = ssl;
        var pool = inner.Features.Get<IMemoryPoolFeature>()?.MemoryPool ?? MemoryPool<byte>.Shared;
        var options = new PipeOptions(pool, PipeScheduler.Inline, PipeScheduler.Inline, useSynchronizationContext: false);
        _input = new Pipe(options);
        _output = new Pipe(options);
        _transport = new DuplexPipe(_input.Reader, _output.Writer);
        ConnectionClosed = inner.ConnectionClosed;
    }

    /// <summary>The protocol the server chose by ALPN (empty when it chose none).</summary>
    public SslApplicationProtocol NegotiatedApplicationProtocol => _ssl.NegotiatedApplicationProtocol;

    public override string ConnectionId
    {
        get => _inner.ConnectionId;
        set => _inner.ConnectionId = value;
    }

    public override IFeatureCollection Features => _inner.Features;

    public override IDictionary<object, object?> Items
    {
        get => _inner.Items;
        set => _inner.Items = value;
    }

    public override IDuplexPipe Transport
    {
        get => _transport;
        set => _transport = value;
    }

    public override EndPoint? RemoteEndPoint
    {
        get => _inner.RemoteEndPoint;
        set => _inner.RemoteEndPoint = value;
    }

    /// <summary>
    /// Runs the TLS handshake over <paramref name="inner"/> within <paramref name="timeout"/>. On
    /// failure <paramref name="inner"/> is disposed and the exception is returned for the caller
    /// to classify (the certificate check reports its own reason through the options' callback).
    /// </summary>
    public static async Task<(TlsClientConnection? Connection, Exception? Failure, bool TimedOut)> HandshakeAsync(
        ConnectionContext inner, SslClientAuthenticationOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var stream = new DuplexPipeStream(inner.Transport) { YieldAfterRead = true };
        var ssl = new SslStream(stream, leaveInnerStreamOpen: true);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            // Off the event loop from the start: the ClientHello, and the checks that follow the
            // server's answer (see DuplexPipeStream.YieldAfterRead), run on the thread pool.
            await Task.Run(() => ssl.AuthenticateAsClientAsync(options, deadline.Token), deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            inner.Abort();
            await inner.DisposeAsync().ConfigureAwait(false);
            var timedOut = e is OperationCanceledException && !cancellationToken.IsCancellationRequested;
            return (null, e, timedOut);
        }

        stream.YieldAfterRead = false;
        var connection = new TlsClientConnection(inner, ssl);
        connection.Start();
        return (connection, null, false);
    }

    private void Start()
    {
        using (ExecutionContext.SuppressFlow())
        {
            _readPump = ReadPumpAsync();
            _writePump = WritePumpAsync();
        }
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        _inner.Abort(abortReason);
        _output.Reader.CancelPendingRead();
    }

    public override void Abort() => Abort(new ConnectionAbortedException("The connection was aborted by the application."));

    public override async ValueTask DisposeAsync()
    {
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        try
        {
            await _writePump.WaitAsync(DrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The upstream stopped reading; the abort below ends the pump.
        }

        await _input.Reader.CompleteAsync().ConfigureAwait(false);
        _inner.Abort();
        _output.Reader.CancelPendingRead();
        await _readPump.ConfigureAwait(false);
        await _writePump.ConfigureAwait(false);
        await _ssl.DisposeAsync().ConfigureAwait(false);
        await _inner.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Upstream → decrypt → input. A clean end (close_notify or FIN) completes the input; a failure completes it with the error.</summary>
    private async Task ReadPumpAsync()
    {
        Exception? error = null;
        var writer = _input.Writer;
        try
        {
            while (true)
            {
                var read = await _ssl.ReadAsync(writer.GetMemory()).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                writer.Advance(read);
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            // What the codecs above treat as a dead connection (ProxyExceptions.IsConnectionFailure).
            error = e as IOException ?? new IOException("TLS connection to the upstream failed: " + e.Message, e);
        }

        await writer.CompleteAsync(error).ConfigureAwait(false);
    }

    /// <summary>Output → encrypt → upstream. When the owner completes the output: close_notify, then FIN.</summary>
    private async Task WritePumpAsync()
    {
        var reader = _output.Reader;
        var clean = false;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (result.IsCanceled)
                {
                    break;
                }

                if (!buffer.IsEmpty)
                {
                    await WriteAsync(buffer).ConfigureAwait(false);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    clean = true;
                    break;
                }
            }

            await _ssl.ShutdownAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException or OperationCanceledException or ConnectionAbortedException)
        {
            // The upstream went away or the connection was aborted: nothing more can be sent.
        }

        await reader.CompleteAsync().ConfigureAwait(false);
        if (clean)
        {
            await _inner.Transport.Output.CompleteAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask WriteAsync(ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment)
        {
            await _ssl.WriteAsync(buffer.First).ConfigureAwait(false);
            return;
        }

        if (buffer.Length <= CoalesceLimit)
        {
            // A head and a small body in separate segments: one record, one send.
            var length = (int)buffer.Length;
            var scratch = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                buffer.CopyTo(scratch);
                await _ssl.WriteAsync(scratch.AsMemory(0, length)).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }

            return;
        }

        foreach (var segment in buffer)
        {
            await _ssl.WriteAsync(segment).ConfigureAwait(false);
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
