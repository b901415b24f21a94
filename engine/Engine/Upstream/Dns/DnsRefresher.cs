using Microsoft.Extensions.Logging;

namespace Engine.Upstream.Dns;

/// <summary>
/// Re-resolves every DNS name in use once per interval (Istio's <c>dnsRefreshRate</c>, 60 s by
/// default) on a timer thread, never on an event loop, and calls back when the addresses behind
/// a DNS/DNS_ROUND_ROBIN cluster changed so that the clusters are rebuilt and published with one
/// reference write. DYNAMIC_DNS names need no rebuild: their clusters follow the cache per request.
/// A refresh still running when the next is due makes that one skip, so lookups never pile up.
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

    public DnsRefresher(DnsServices dns, TimeSpan interval, TimeProvider time, ILogger logger, Action changed)
    {
        _dns = dns;
        _changed = changed;
        _logger = logger;
        Interval = interval;
        _timer = time.CreateTimer(static s => ((DnsRefresher)s!).Tick(), this, interval, interval);
    }

    public TimeSpan Interval { get; }

    private void Tick()
    {
        if (Interlocked.Exchange(ref _busy, 1) == 1)
        {
            return;
        }

        _running = RefreshAsync();
    }

    /// <summary>One refresh of every name, now (the timer's work; tests call it directly).</summary>
    public async Task RefreshAsync()
    {
        try
        {
            var changed = await _dns.Static.RefreshAsync(_stopping.Token).ConfigureAwait(false);
            await _dns.Dynamic.RefreshAsync(_stopping.Token).ConfigureAwait(false);
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
