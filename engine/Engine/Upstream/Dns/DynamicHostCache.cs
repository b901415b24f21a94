using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;

namespace Engine.Upstream.Dns;

/// <summary>
/// The names DYNAMIC_DNS clusters have been asked for (Envoy's dynamic forward proxy DNS cache),
/// shared by every such cluster and kept across configuration reloads. The request path only
/// reads it; a name seen for the first time is resolved on the thread pool while the requests for
/// it wait asynchronously, and every other request goes on.
/// </summary>
/// <remarks>
/// Envoy's defaults: at most 1,024 names (more get 503 "DNS cache overflow"); a name unused for
/// 5 minutes is dropped (<c>host_ttl</c>); a name is re-resolved when its record's TTL runs out (at
/// least 5 s, <c>dns_min_refresh_rate</c>), or every refresh interval when no TTL is known, as
/// Envoy's DNS cache does; a failed re-resolution keeps the address the name had.
/// </remarks>
internal sealed class DynamicHostCache
{
    public const int DefaultMaxHosts = 1024;

    private readonly ConcurrentDictionary<string, DynamicHost> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DynamicHost>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly IHostNameResolver _resolver;
    private readonly IHostNameTtlSource? _ttls;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly int _maxHosts;

    public DynamicHostCache(IHostNameResolver resolver, ILogger logger, int maxHosts = DefaultMaxHosts, TimeSpan? hostTtl = null, TimeProvider? time = null)
    {
        _resolver = resolver;
        _ttls = resolver as IHostNameTtlSource;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _maxHosts = maxHosts;
        HostTtl = hostTtl ?? TimeSpan.FromMinutes(5);
        _bySpan = _hosts.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public TimeSpan HostTtl { get; }

    public IReadOnlyCollection<DynamicHost> Hosts => _hosts.Values.ToArray();

    /// <summary>The cached name (the request path: no allocation), or null.</summary>
    public DynamicHost? Find(ReadOnlySpan<char> name)
    {
        if (!_bySpan.TryGetValue(name, out var host))
        {
            return null;
        }

        host.Touch(Environment.TickCount64);
        return host;
    }

    /// <summary>
    /// The name's entry, starting its first lookup on the thread pool when it is new. Null when
    /// the cache is full.
    /// </summary>
    public DynamicHost? GetOrStart(string name)
    {
        if (_hosts.TryGetValue(name, out var known))
        {
            return known;
        }

        if (_hosts.Count >= _maxHosts)
        {
            return null;
        }

        // The entry is published with its pending lookup already attached, so a request that
        // finds it never mistakes "not looked up yet" for "failed".
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = new DynamicHost(name, Environment.TickCount64) { FirstLookup = done.Task };
        var added = _hosts.GetOrAdd(name, host);
        if (ReferenceEquals(added, host))
        {
            // Task.Run: the caller is an event-loop thread, and getaddrinfo may block.
            _ = Task.Run(async () =>
            {
                await LookupAsync(host, askTtl: false, CancellationToken.None).ConfigureAwait(false);
                done.SetResult();
            });
        }

        return added;
    }

    /// <summary>
    /// Re-resolves every name and drops those unused for longer than <see cref="HostTtl"/>.
    /// True when some name's address changed (per-name clusters follow it on the next request).
    /// </summary>
    public Task<bool> RefreshAsync(CancellationToken cancellation) => RefreshAsync(dueWithin: null, cancellation);

    /// <summary>
    /// Re-resolves the names that are due (their TTL, or <paramref name="interval"/> without one,
    /// since their last lookup; at once a name whose TTL was never asked), and drops those unused
    /// for longer than <see cref="HostTtl"/>. True when some name's address changed.
    /// </summary>
    public Task<bool> RefreshDueAsync(TimeSpan interval, CancellationToken cancellation) => RefreshAsync(interval, cancellation);

    private async Task<bool> RefreshAsync(TimeSpan? dueWithin, CancellationToken cancellation)
    {
        var due = _time.GetUtcNow();
        var now = Environment.TickCount64;
        var live = new List<DynamicHost>();
        foreach (var host in _hosts.Values)
        {
            if (now - host.LastUsed > HostTtl.TotalMilliseconds && host.FirstLookup.IsCompleted)
            {
                _hosts.TryRemove(new KeyValuePair<string, DynamicHost>(host.Name, host));
                DnsLog.Expired(_logger, host.Name, HostTtl.TotalMinutes);
                continue;
            }

            if (host.FirstLookup.IsCompleted
                && (dueWithin is not { } interval || DnsCache.DueAt(host.LookedUpAt, host.Ttl, host.TtlAsked, _ttls is not null, interval) <= due))
            {
                live.Add(host);
            }
        }

        if (live.Count == 0)
        {
            return false;
        }

        var changed = await Task.WhenAll(live.Select(h => LookupAsync(h, askTtl: true, cancellation))).ConfigureAwait(false);
        return changed.Any(c => c);
    }

    /// <summary>
    /// One lookup of <paramref name="host"/>: a new address replaces the old; a failure keeps it;
    /// with <paramref name="askTtl"/> the record's TTL is asked alongside. Never throws.
    /// </summary>
    private async Task<bool> LookupAsync(DynamicHost host, bool askTtl, CancellationToken cancellation)
    {
        var ttl = askTtl ? DnsCache.AskTtlAsync(_ttls, host.Name, cancellation) : Task.FromResult<TimeSpan?>(null);
        try
        {
            return await LookupAddressAsync(host, cancellation).ConfigureAwait(false);
        }
        finally
        {
            host.Ttl = await ttl.ConfigureAwait(false) ?? host.Ttl;
            host.TtlAsked |= askTtl && _ttls is not null;
            host.LookedUpAt = _time.GetUtcNow();
        }
    }

    private async Task<bool> LookupAddressAsync(DynamicHost host, CancellationToken cancellation)
    {
        var previous = host.Address;
        IPAddress? address = null;
        string? error;
        try
        {
            var resolved = DnsAnswer.Normalize(await _resolver.ResolveAsync(host.Name, cancellation).ConfigureAwait(false), firstOnly: true);
            address = resolved.Length > 0 ? resolved[0] : null;
            error = address is null ? "no IPv4 or IPv6 address" : null;
        }
        catch (Exception e) when (DnsCache.IsLookupFailure(e))
        {
            error = DnsCache.Reason(e);
        }

        if (address is null)
        {
            if (host.Error is null)
            {
                DnsLog.Failed(_logger, host.Name, error!, previous?.ToString() ?? "nothing");
            }
            else
            {
                DnsLog.StillFailing(_logger, host.Name, error!);
            }

            host.Error = error;
            return false;
        }

        host.Error = null;
        if (address.Equals(previous))
        {
            return false;
        }

        host.SetAddress(address);
        DnsLog.Changed(_logger, host.Name, address.ToString(), previous?.ToString() ?? "nothing");
        return true;
    }
}
