using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;

namespace Engine.Upstream.Dns;

/// <summary>
/// The answers behind STRICT_DNS and LOGICAL_DNS clusters (ServiceEntry <c>resolution: DNS</c> and
/// <c>DNS_ROUND_ROBIN</c>): a name is resolved when a configuration first uses it, and then again
/// in the background when its answer is due (<see cref="RefreshDueAsync"/>): after its record's
/// TTL, as Istio has Envoy do (<c>respect_dns_ttl</c>; at least <see cref="MinRefresh"/>, Envoy's
/// <c>dns_min_refresh_rate</c>), or after <c>dnsRefreshRate</c> when no TTL is known. The registry
/// is built from <see cref="Lookup"/>, which never waits for the network once a name is known, so
/// a rebuild after a change costs no lookups.
/// </summary>
/// <remarks>
/// Outcomes of a refresh, per name: new addresses replace the old (logged; the caller rebuilds the
/// clusters); a failure, or an answer with no usable address, keeps the last good addresses
/// (logged once when it starts failing); the same addresses change nothing.
/// </remarks>
internal sealed class DnsCache
{
    /// <summary>Envoy's <c>dns_min_refresh_rate</c> default: a TTL shorter than this (0 included) is read as this.</summary>
    public static readonly TimeSpan MinRefresh = TimeSpan.FromSeconds(5);

    /// <summary>The longest a refresh waits for a name's TTL.</summary>
    public static readonly TimeSpan TtlBudget = TimeSpan.FromSeconds(2);

    private readonly IHostNameResolver _resolver;
    private readonly IHostNameTtlSource? _ttls;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<DnsQuery, DnsAnswer> _answers = new();

    public DnsCache(IHostNameResolver resolver, ILogger logger, TimeProvider time)
    {
        _resolver = resolver;
        _ttls = resolver as IHostNameTtlSource;
        _logger = logger;
        _time = time;
    }

    /// <summary>Every name in use and its answer (for the admin dump and tests).</summary>
    public IReadOnlyList<KeyValuePair<DnsQuery, DnsAnswer>> Answers => _answers.OrderBy(a => a.Key.Name, StringComparer.Ordinal).ToArray();

    /// <summary>
    /// The addresses to build endpoints from: the last good answer, or for a name not seen yet a
    /// lookup now (configuration loads run off the request path, as Envoy warms a DNS cluster
    /// before its listener takes traffic). Empty when the name never resolved.
    /// </summary>
    public IPAddress[] Lookup(DnsQuery query)
    {
        if (_answers.TryGetValue(query, out var known))
        {
            return known.Addresses;
        }

        DnsAnswer answer;
        try
        {
            answer = Answer(_resolver.Resolve(query.Name), query, previous: null);
        }
        catch (Exception e) when (IsLookupFailure(e))
        {
            answer = new DnsAnswer([], Reason(e), _time.GetUtcNow());
        }

        return _answers.GetOrAdd(query, answer).Addresses;
    }

    /// <summary>Forgets the names the running configuration no longer uses (they are not refreshed any more).</summary>
    public void Retain(IReadOnlySet<DnsQuery> used)
    {
        foreach (var query in _answers.Keys)
        {
            if (!used.Contains(query))
            {
                _answers.TryRemove(query, out _);
            }
        }
    }

    /// <summary>Resolves every name again, all at once. True when some name's addresses changed.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellation)
    {
        var queries = _answers.Keys.ToArray();
        var outcomes = await Task.WhenAll(queries.Select(q => RefreshOneAsync(q, cancellation))).ConfigureAwait(false);
        return outcomes.Any(changed => changed);
    }

    /// <summary>
    /// Resolves again the names whose answers are due (their TTL, or <paramref name="interval"/>
    /// without one, since the last lookup; at once a name whose TTL was never asked). True when
    /// some name's addresses changed.
    /// </summary>
    public async Task<bool> RefreshDueAsync(TimeSpan interval, CancellationToken cancellation)
    {
        var now = _time.GetUtcNow();
        var due = _answers.Where(a => DueAt(a.Value, interval) <= now).Select(a => a.Key).ToArray();
        if (due.Length == 0)
        {
            return false;
        }

        var outcomes = await Task.WhenAll(due.Select(q => RefreshOneAsync(q, cancellation))).ConfigureAwait(false);
        return outcomes.Any(changed => changed);
    }

    /// <summary>When <paramref name="answer"/> is to be looked up again.</summary>
    public DateTimeOffset DueAt(DnsAnswer answer, TimeSpan interval) => DueAt(answer.At, answer.Ttl, answer.TtlAsked, _ttls is not null, interval);

    /// <summary>
    /// When a name looked up <paramref name="at"/> is due again: at once when its TTL can be asked
    /// and was not yet; after its TTL (at least <see cref="MinRefresh"/>) when one is known; else
    /// after <paramref name="interval"/>. Shared with the DYNAMIC_DNS cache, as Envoy's DNS cache
    /// does the same.
    /// </summary>
    public static DateTimeOffset DueAt(DateTimeOffset at, TimeSpan? ttl, bool ttlAsked, bool ttlKnowable, TimeSpan interval)
    {
        if (ttlKnowable && !ttlAsked)
        {
            return at;
        }

        return at + (ttl is { } known ? (known < MinRefresh ? MinRefresh : known) : interval);
    }

    private async Task<bool> RefreshOneAsync(DnsQuery query, CancellationToken cancellation)
    {
        if (!_answers.TryGetValue(query, out var previous))
        {
            return false;
        }

        var ttl = AskTtlAsync(_ttls, query.Name, cancellation);
        DnsAnswer next;
        try
        {
            next = Answer(await _resolver.ResolveAsync(query.Name, cancellation).ConfigureAwait(false), query, previous);
        }
        catch (Exception e) when (IsLookupFailure(e) && !cancellation.IsCancellationRequested)
        {
            next = KeepAfterFailure(query, previous, Reason(e));
        }

        next = next with { Ttl = await ttl.ConfigureAwait(false) ?? previous.Ttl, TtlAsked = _ttls is not null };

        // Only while the name is still in use: a reload may have dropped it meanwhile.
        if (!_answers.TryUpdate(query, next, previous))
        {
            return false;
        }

        if (next.Failed || DnsAnswer.SameAddresses(next.Addresses, previous.Addresses))
        {
            return false;
        }

        DnsLog.Changed(_logger, query.ToString(), DnsAnswer.Format(next.Addresses), DnsAnswer.Format(previous.Addresses));
        return true;
    }

    /// <summary>
    /// The name's TTL, asked alongside its addresses; null when none is known, or asking failed or
    /// took longer than <see cref="TtlBudget"/> (the new addresses wait for it no longer than that).
    /// </summary>
    public static async Task<TimeSpan?> AskTtlAsync(IHostNameTtlSource? ttls, string name, CancellationToken cancellation)
    {
        if (ttls is null)
        {
            return null;
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        budget.CancelAfter(TtlBudget);
        try
        {
            return await ttls.TtlAsync(name, budget.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException or ArgumentException)
        {
            return null;
        }
    }

    private DnsAnswer Answer(IPAddress[] resolved, DnsQuery query, DnsAnswer? previous)
    {
        var addresses = DnsAnswer.Normalize(resolved, query.FirstOnly);
        return addresses.Length == 0 && previous is not null
            ? KeepAfterFailure(query, previous, "no IPv4 or IPv6 address")
            : new DnsAnswer(addresses, addresses.Length == 0 ? "no IPv4 or IPv6 address" : null, _time.GetUtcNow());
    }

    private DnsAnswer KeepAfterFailure(DnsQuery query, DnsAnswer previous, string reason)
    {
        if (previous.Error is null)
        {
            DnsLog.Failed(_logger, query.ToString(), reason, DnsAnswer.Format(previous.Addresses));
        }
        else
        {
            DnsLog.StillFailing(_logger, query.ToString(), reason);
        }

        return previous with { Error = reason, At = _time.GetUtcNow() };
    }

    internal static bool IsLookupFailure(Exception e)
        => e is System.Net.Sockets.SocketException or ArgumentException or OperationCanceledException;

    internal static string Reason(Exception e) => e is System.Net.Sockets.SocketException s ? $"{s.SocketErrorCode}: {s.Message}" : e.Message;
}
