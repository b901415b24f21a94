using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Engine.Soak;

/// <summary>
/// One closed-loop client on its own keep-alive connection, sending the soak's request mix and
/// checking every answer byte for byte. Each request ends in one cause ("ok" or why not), counted
/// per service: <c>stable</c> (never restarted), <c>flappy</c> (its endpoints are killed and
/// restarted), <c>nohost</c> (no route: a 404 is the right answer).
/// </summary>
internal sealed class LoadWorker
{
    private readonly Uri _proxy;
    private readonly Random _random;
    private readonly ConcurrentDictionary<(string Service, string Cause), long> _outcomes;
    private readonly StrongBox<long> _completed;
    private readonly Version _version;

    /// <param name="http2">h2c with prior knowledge (one multiplexed connection) instead of HTTP/1.1 keep-alive.</param>
    public LoadWorker(Uri proxy, int seed, ConcurrentDictionary<(string Service, string Cause), long> outcomes, StrongBox<long> completed, bool http2)
    {
        _version = http2 ? HttpVersion.Version20 : HttpVersion.Version11;
        _proxy = proxy;
        _random = new Random(seed);
        _outcomes = outcomes;
        _completed = completed;
    }

    public async Task RunAsync(CancellationToken stop)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 1, AllowAutoRedirect = false })
        {
            BaseAddress = _proxy,
            Timeout = TimeSpan.FromSeconds(30),
            DefaultRequestVersion = _version,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        while (!stop.IsCancellationRequested)
        {
            var pick = _random.Next(100);
            var service = pick < 75 ? "stable" : pick < 95 ? "flappy" : "nohost";
            var kind = pick switch { < 40 => "GET 128 B", < 55 => "GET 256 KiB", < 70 => "POST", < 75 => "POST chunked", < 95 => "GET 1 KiB", _ => "GET no route" };
            string cause;
            try
            {
                cause = pick switch
                {
                    < 40 => await DownloadAsync(client, service, 128, stop).ConfigureAwait(false),
                    < 55 => await DownloadAsync(client, service, 256 * 1024, stop).ConfigureAwait(false),
                    < 70 => await UploadAsync(client, service, chunked: false, stop).ConfigureAwait(false),
                    < 75 => await UploadAsync(client, service, chunked: true, stop).ConfigureAwait(false),
                    < 95 => await DownloadAsync(client, service, 1024, stop).ConfigureAwait(false),
                    _ => await NoRouteAsync(client, stop).ConfigureAwait(false),
                };
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (TaskCanceledException)
            {
                cause = "timeout (30 s)";
            }
            catch (HttpRequestException e)
            {
                cause = Classify(e);
            }
            catch (IOException e)
            {
                cause = "connection broken: " + e.GetType().Name;
            }

            _outcomes.AddOrUpdate((service, cause == "ok" ? cause : $"{kind}: {cause}"), 1, (_, n) => n + 1);
            Interlocked.Increment(ref _completed.Value);
        }
    }

    private static string Classify(HttpRequestException e) => e switch
    {
        { HttpRequestError: HttpRequestError.ResponseEnded } => "connection closed before the response ended",
        { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionReset } } => "connection reset",
        { InnerException: IOException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionReset } } } => "connection reset",
        { HttpRequestError: HttpRequestError.ConnectionError } => "connection error",
        _ => "request failed: " + e.HttpRequestError,
    };

    private async Task<string> DownloadAsync(HttpClient client, string service, int size, CancellationToken stop)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/soak/download") { Version = _version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Host = service + ":8080";
        request.Headers.Add("x-echo-bytes", size.ToString(CultureInfo.InvariantCulture));
        using var response = await client.SendAsync(request, stop).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(stop).ConfigureAwait(false);
        return response.StatusCode != HttpStatusCode.OK ? $"status {(int)response.StatusCode}"
            : body.Length != size ? "body length mismatch"
            : "ok";
    }

    private async Task<string> UploadAsync(HttpClient client, string service, bool chunked, CancellationToken stop)
    {
        var body = new byte[_random.Next(1, 64 * 1024)];
        _random.NextBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/soak/upload")
        {
            Version = _version,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,

            // A stream of unknown length goes out chunked.
            Content = chunked ? new StreamContent(new UnknownLengthStream(body)) : new ByteArrayContent(body),
        };
        request.Headers.Host = service + ":8080";
        request.Headers.Add("x-echo-body", "true");
        using var response = await client.SendAsync(request, stop).ConfigureAwait(false);
        var echoed = await response.Content.ReadAsByteArrayAsync(stop).ConfigureAwait(false);
        return response.StatusCode != HttpStatusCode.OK ? $"status {(int)response.StatusCode}"
            : !echoed.AsSpan().SequenceEqual(body) ? "echoed body differs"
            : "ok";
    }

    private async Task<string> NoRouteAsync(HttpClient client, CancellationToken stop)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/soak/nowhere") { Version = _version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Host = "nohost.example:8080";
        using var response = await client.SendAsync(request, stop).ConfigureAwait(false);
        await response.Content.ReadAsByteArrayAsync(stop).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.NotFound ? "ok" : $"status {(int)response.StatusCode}";
    }

    /// <summary>A MemoryStream that hides its length, so HttpClient sends Transfer-Encoding: chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public override bool CanSeek => false;
    }
}
