using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;

namespace Engine.Upstream.Dns;

/// <summary>
/// The answers behind STRICT_DNS and LOGICAL_DNS clusters (ServiceEntry <c>resolution: DNS</c> and
/// <c>DNS_ROUND_ROBIN</c>): a name is resolved when a configuration first uses it, and then again
/// on every <see cref="RefreshAsync"/> (Envoy's <c>dns_refresh_rate</c>), in the background. The
/// registry is built from <see cref="Lookup"/>, which never waits for the network once a name is
/// known, so a rebuild after a change costs no lookups.
/// </summary>
/// <remarks>
/// Outcomes of a refresh, per name: new addresses replace the old (logged; the caller rebuilds the
/// clusters); a failure, or an answer with no usable address, keeps the last good addresses
/// (logged once when it starts failing); the same addresses change nothing.
/// </remarks>
internal sealed class DnsCache
{
    private readonly IHostNameResolver _resolver;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<DnsQuery, DnsAnswer> _answers = new();

    public DnsCache(IHostNameResolver resolver, ILogger logger, TimeProvider time)
    {
        _resolver = resolver;
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

    private async Task<bool> RefreshOneAsync(DnsQuery query, CancellationToken cancellation)
    {
        if (!_answers.TryGetValue(query, out var previous))
        {
            return false;
        }

        DnsAnswer next;
        try
        {
            next = Answer(await _resolver.ResolveAsync(query.Name, cancellation).ConfigureAwait(false), query, previous);
        }
        catch (Exception e) when (IsLookupFailure(e) && !cancellation.IsCancellationRequested)
        {
            next = KeepAfterFailure(query, previous, Reason(e));
        }

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
