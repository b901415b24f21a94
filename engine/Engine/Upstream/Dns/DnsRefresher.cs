using Microsoft.Extensions.Logging;

namespace Engine.Upstream.Dns;

/// <summary>
/// Re-resolves the DNS names in use on a timer thread, never on an event loop: each DNS and
/// DNS_ROUND_ROBIN name when its answer is due (its record's TTL, as Istio's <c>respect_dns_ttl</c>
/// has Envoy do, else Istio's <c>dnsRefreshRate</c>, 60 s by default; the timer looks every second),
/// and each DYNAMIC_DNS name likewise, as Envoy's DNS cache does. It calls back when the addresses behind a cluster
/// changed so that the clusters are rebuilt and published with one reference write. DYNAMIC_DNS
/// names need no rebuild: their clusters follow the cache per request. A refresh still running
/// when the next is due makes that one skip, so lookups never pile up.
/// </summary>
internal sealed class DnsRefresher : IAsyncDisposable
{
    private readonly DnsServices _dns;
    private readonly Action _changed;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;
    private int _busy;

    /// <summary>How often the timer looks for names that are due.</summary>
    public static readonly TimeSpan Resolution = TimeSpan.FromSeconds(1);

    public DnsRefresher(DnsServices dns, TimeSpan interval, TimeProvider time, ILogger logger, Action changed)
    {
        _dns = dns;
        _changed = changed;
        _logger = logger;
        Interval = interval;
        var period = interval < Resolution ? interval : Resolution;
        _timer = time.CreateTimer(static s => ((DnsRefresher)s!).Tick(), this, period, period);
    }

    public TimeSpan Interval { get; }

    private void Tick()
    {
        if (Interlocked.Exchange(ref _busy, 1) == 1)
        {
            return;
        }

        _running = RefreshAsync(onlyDue: true);
    }

    /// <summary>One refresh of every name, now (tests call it directly).</summary>
    public Task RefreshAsync() => RefreshAsync(onlyDue: false);

    /// <summary>The timer's work (<paramref name="onlyDue"/>): the names that are due; or every name.</summary>
    private async Task RefreshAsync(bool onlyDue)
    {
        try
        {
            var changed = onlyDue
                ? await _dns.Static.RefreshDueAsync(Interval, _stopping.Token).ConfigureAwait(false)
                : await _dns.Static.RefreshAsync(_stopping.Token).ConfigureAwait(false);
            _ = onlyDue
                ? await _dns.Dynamic.RefreshDueAsync(Interval, _stopping.Token).ConfigureAwait(false)
                : await _dns.Dynamic.RefreshAsync(_stopping.Token).ConfigureAwait(false);

            if (changed && !_stopping.IsCancellationRequested)
            {
                _changed();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A refresh must never take the process down; the next one tries again.
            _logger.LogError(e, "dns: refresh failed");
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _running.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }
}
