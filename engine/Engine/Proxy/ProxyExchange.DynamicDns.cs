using System.Buffers;
using System.Text;
using Engine.Routing;
using Engine.Upstream;
using Engine.Upstream.Dns;

namespace Engine.Proxy;

internal abstract partial class ProxyExchange
{
    // A DYNAMIC_DNS request whose host's first lookup is running (Route set them; the caller awaits
    // AwaitDynamicHostAsync before forwarding). ResetRouting clears them.
    private protected DynamicHost? _dnsPending;
    private DynamicForwardProxy? _dnsProxy;
    private protected LocalReply? _dnsReply;

    /// <summary>Longest host name DNS allows (RFC 1035 §2.3.4); longer ones cannot resolve.</summary>
    private const int MaxHostName = 253;

    /// <summary>
    /// Picks the per-name cluster of a DYNAMIC_DNS <paramref name="cluster"/> for the request's
    /// host (the authority without port or brackets, lower-cased). Returns the 503 to send, or null:
    /// with <paramref name="cluster"/> replaced, or with <see cref="_dnsPending"/> set when the
    /// name's first lookup is still running. The cached case allocates nothing.
    /// </summary>
    private LocalReply? RouteDynamic(DynamicForwardProxy proxy, ref Cluster cluster)
    {
        var host = HostName.HostOf(_request.Span(_request.Authority), out _);
        if (host.IsEmpty || host.Length > MaxHostName)
        {
            return LocalReplies.DnsResolutionFailed;
        }

        Span<char> name = stackalloc char[host.Length];
        if (Ascii.ToLower(host, name, out var written) != OperationStatus.Done || written != host.Length)
        {
            return LocalReplies.DnsResolutionFailed; // not an ASCII name: nothing to look up
        }

        switch (proxy.Find(name, out var found, out var pending))
        {
            case DynamicLookup.Ready:
                cluster = _cluster = found!;
                return null;
            case DynamicLookup.Pending:
                _dnsPending = pending;
                _dnsProxy = proxy;
                return null;
            case DynamicLookup.Failed:
                return LocalReplies.DnsResolutionFailed;
            default:
                return LocalReplies.DnsCacheOverflow;
        }
    }

    /// <summary>
    /// Waits (asynchronously: the event loop goes on with other connections) for the first lookup
    /// of the request's host, then sets <see cref="_cluster"/> to the name's cluster, or
    /// <see cref="_dnsReply"/> to the 503 to send when the name did not resolve. A plain ValueTask
    /// with its result in fields keeps the sessions' RunAsync frames small (their every request
    /// pays for each awaiter type they hold).
    /// </summary>
    private protected async ValueTask AwaitDynamicHostAsync()
    {
        var pending = _dnsPending!;
        var proxy = _dnsProxy!;
        _dnsPending = null;
        _dnsProxy = null;
        await pending.FirstLookup.ConfigureAwait(false);
        switch (proxy.Find(pending.Name, out var found, out _))
        {
            case DynamicLookup.Ready:
                _cluster = found;
                _dnsReply = null;
                break;
            case DynamicLookup.Overflow:
                _dnsReply = LocalReplies.DnsCacheOverflow;
                break;
            default:
                _dnsReply = LocalReplies.DnsResolutionFailed; // failed, or evicted meanwhile
                break;
        }
    }
}
