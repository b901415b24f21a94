using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Engine.LoadGen;

/// <summary>
/// One h2c (HTTP/2 with prior knowledge) connection carrying <see cref="LoadOptions.Streams"/>
/// slots, one per concurrent stream. The HTTP/2 framing is HttpClient's (SocketsHttpHandler, one
/// connection per handler); the scheduling, the clock and the statistics are the same as over
/// HTTP/1.1, so latency still counts from each request's intended send time.
/// </summary>
/// <remarks>
/// Unlike <see cref="Http1Connection"/> this allocates per request (HttpClient's request and
/// response objects): fine at the fixed rates it is used for, and its own CPU is reported.
/// </remarks>
internal sealed class H2cConnection : IRunConnection
{
    private readonly LoadRun _run;
    private readonly int _id;
    private readonly HttpClient _client;
    private readonly Slot[] _slots;

    public H2cConnection(LoadRun run, int id, int streams)
    {
        _run = run;
        _id = id;
        _client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            EnableMultipleHttp2Connections = false,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // the run's drain timeout decides what is late
        };
        _slots = new Slot[streams];
        for (var i = 0; i < streams; i++)
        {
            _slots[i] = new Slot(this);
        }
    }

    public override string ToString() => $"h2c connection {_id}";

    /// <summary>Opens the connection (one request), then offers its streams until the run stops.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                using var probe = NewRequest();
                using var response = await _client.SendAsync(probe, HttpCompletionOption.ResponseContentRead, stopping).ConfigureAwait(false);
                break;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException)
            {
                _run.Failed(ErrorCause.Connect);
                try
                {
                    await Task.Delay(100, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        foreach (var slot in _slots)
        {
            _run.SlotReady(slot);
        }

        try
        {
            await Task.Delay(Timeout.Infinite, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Close() => _client.Dispose();

    private HttpRequestMessage NewRequest()
    {
        var target = _run.Target;
        var request = new HttpRequestMessage(new HttpMethod(target.Method), target.Url)
        {
            // A message built by hand does not take the client's defaults: say HTTP/2, and only it
            // (over http:// that is prior knowledge, no upgrade).
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Host = target.Authority; // becomes :authority
        foreach (var (name, value) in target.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (target.Body.Length > 0)
        {
            request.Content = new ByteArrayContent(target.Body);
        }

        return request;
    }

    private static ErrorCause CauseOf(Exception e) => e switch
    {
        HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } => ErrorCause.Connect,
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => ErrorCause.Connect,
        HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => ErrorCause.Closed,
        HttpRequestException { HttpRequestError: HttpRequestError.HttpProtocolError or HttpRequestError.InvalidResponse } => ErrorCause.Protocol,
        HttpRequestException or IOException => ErrorCause.Reset,
        _ => ErrorCause.Protocol,
    };

    /// <summary>One stream's worth of capacity: carries one request at a time.</summary>
    private sealed class Slot(H2cConnection owner) : IRequestSlot
    {
        private readonly byte[] _buffer = new byte[16 * 1024];

        public void Send(long intendedTimestamp) => _ = SendAsync(intendedTimestamp);

        private async Task SendAsync(long intended)
        {
            var run = owner._run;
            var sent = Stopwatch.GetTimestamp();
            try
            {
                using var request = owner.NewRequest();
                using var response = await owner._client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
                await using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                long bytes = 0;
                int read;
                while ((read = await body.ReadAsync(_buffer).ConfigureAwait(false)) > 0)
                {
                    bytes += read;
                }

                run.Completed(intended, sent, (int)response.StatusCode, bytes);
            }
            catch (Exception e)
            {
                run.Failed(CauseOf(e));
            }

            run.SlotFree(this);
        }
    }
}
