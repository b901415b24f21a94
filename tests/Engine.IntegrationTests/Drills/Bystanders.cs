using System.Net;

namespace Engine.IntegrationTests.Drills;

/// <summary>
/// Well-behaved clients that keep using the proxy while a drill attacks it: each worker, on its
/// own keep-alive connection, alternates an upload echoed back (x-echo-body) and a download of a
/// known size (x-echo-bytes), and checks every byte. A drill passes only if every one of their
/// requests succeeded: the proxy kept serving, and lost nothing it had accepted. They speak
/// HTTP/1.1, or h2c with prior knowledge when started with <c>http2</c>.
/// </summary>
internal sealed class Bystanders : IAsyncDisposable
{
    /// <summary>Requests per worker at most: the load is bounded even if a drill never stops it.</summary>
    private const int MaxRequestsPerWorker = 20_000;

    private readonly IPEndPoint _proxy;
    private readonly string _service;
    private readonly Version _version;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers = [];
    private readonly List<string> _failures = [];
    private int _succeeded;

    private Bystanders(IPEndPoint proxy, string service, bool http2)
    {
        _proxy = proxy;
        _service = service;
        _version = http2 ? HttpVersion.Version20 : HttpVersion.Version11;
    }

    public int Succeeded => Volatile.Read(ref _succeeded);

    /// <summary>
    /// Starts <paramref name="workers"/> clients of <paramref name="service"/> and waits until each
    /// has succeeded once; with <paramref name="http2"/> each uses one h2c connection (prior knowledge).
    /// </summary>
    public static async Task<Bystanders> StartAsync(IPEndPoint proxy, string service, int workers = 4, bool http2 = false)
    {
        var bystanders = new Bystanders(proxy, service, http2);
        for (var i = 0; i < workers; i++)
        {
            var seed = i;
            bystanders._workers.Add(Task.Run(() => bystanders.WorkAsync(seed)));
        }

        await Infrastructure.WaitFor.ConditionAsync(() => bystanders.Succeeded >= workers || bystanders.FailureCount > 0, 30_000, "bystanders warmed up").ConfigureAwait(false);
        return bystanders;
    }

    private int FailureCount
    {
        get
        {
            lock (_failures)
            {
                return _failures.Count;
            }
        }
    }

    /// <summary>Lets them run until at least <paramref name="more"/> further requests succeeded (or one failed).</summary>
    public Task WaitForMoreAsync(int more)
    {
        var target = Succeeded + more;
        return Infrastructure.WaitFor.ConditionAsync(() => Succeeded >= target || FailureCount > 0, 60_000, $"bystanders completed {more} more requests");
    }

    /// <summary>Stops the workers and asserts that none of their requests failed.</summary>
    public async Task StopAndAssertAllServedAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_workers).ConfigureAwait(false);
        lock (_failures)
        {
            Assert.True(_failures.Count == 0, $"{_failures.Count} bystander request(s) failed ({Succeeded} succeeded):\n" + string.Join("\n", _failures.Take(5)));
        }

        Assert.True(Succeeded > 0, "no bystander request completed");
    }

    private async Task WorkAsync(int seed)
    {
        var random = new Random(seed);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 1 })
        {
            BaseAddress = new Uri($"http://{_proxy}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        for (var i = 0; i < MaxRequestsPerWorker && !_stop.IsCancellationRequested; i++)
        {
            try
            {
                if (i % 2 == 0)
                {
                    await UploadAsync(client, random).ConfigureAwait(false);
                }
                else
                {
                    await DownloadAsync(client, random).ConfigureAwait(false);
                }

                Interlocked.Increment(ref _succeeded);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or InvalidDataException)
            {
                if (_stop.IsCancellationRequested && e is TaskCanceledException)
                {
                    return;
                }

                lock (_failures)
                {
                    _failures.Add($"worker {seed} request {i}: {e.GetType().Name}: {e.Message}");
                }

                return;
            }
        }
    }

    private async Task UploadAsync(HttpClient client, Random random)
    {
        var body = new byte[random.Next(0, 64 * 1024)];
        random.NextBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(body), Version = _version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Host = _service + ":8080";
        request.Headers.Add("x-echo-body", "true");
        using var response = await client.SendAsync(request, _stop.Token).ConfigureAwait(false);
        var echoed = await response.Content.ReadAsByteArrayAsync(_stop.Token).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK || response.Version != _version || !echoed.AsSpan().SequenceEqual(body))
        {
            throw new InvalidDataException($"upload of {body.Length} bytes: status {(int)response.StatusCode}, {echoed.Length} bytes echoed");
        }
    }

    private async Task DownloadAsync(HttpClient client, Random random)
    {
        var size = random.Next(0, 256 * 1024);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/download") { Version = _version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Host = _service + ":8080";
        request.Headers.Add("x-echo-bytes", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await client.SendAsync(request, _stop.Token).ConfigureAwait(false);
        var received = await response.Content.ReadAsByteArrayAsync(_stop.Token).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK || response.Version != _version || received.Length != size)
        {
            throw new InvalidDataException($"download of {size} bytes: status {(int)response.StatusCode}, {received.Length} bytes received");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_workers).ConfigureAwait(false);
        _stop.Dispose();
    }
}
