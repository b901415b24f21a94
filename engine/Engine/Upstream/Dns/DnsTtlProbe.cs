using System.Net;
using System.Net.Sockets;

namespace Engine.Upstream.Dns;

/// <summary>
/// Asks the name servers of <see cref="ResolverConfig"/> for a name's address record, over UDP, to
/// learn its TTL. Addresses still come from the system resolver (hosts file and nsswitch included,
/// as the application next to the sidecar sees them); this only decides when to ask again. Search
/// list and ndots as the C library applies them; each server is tried <c>attempts</c> times with
/// <c>timeout</c>; an IPv4 record first, an IPv6 one when there is none. Anything that goes wrong
/// (no server answers, a truncated or malformed answer, no record) means "no TTL known".
/// </summary>
internal sealed class DnsTtlProbe : IHostNameTtlSource
{
    private readonly ResolverConfig _config;

    public DnsTtlProbe(ResolverConfig config) => _config = config;

    public async Task<TimeSpan?> TtlAsync(string name, CancellationToken cancellation)
    {
        foreach (var candidate in _config.Candidates(name))
        {
            foreach (var type in (ushort[])[DnsWire.TypeA, DnsWire.TypeAaaa])
            {
                var (answered, code, ttl) = await AskAsync(candidate, type, cancellation).ConfigureAwait(false);
                if (!answered)
                {
                    return null; // no server answered: the next refresh asks again
                }

                if (ttl is not null)
                {
                    return ttl;
                }

                if (code == DnsWire.NameError)
                {
                    break; // this candidate does not exist: the next one
                }
            }
        }

        return null;
    }

    private async Task<(bool Answered, int Code, TimeSpan? Ttl)> AskAsync(string name, ushort type, CancellationToken cancellation)
    {
        var id = (ushort)Random.Shared.Next(ushort.MaxValue + 1);
        if (DnsWire.Query(id, name, type) is not { } query)
        {
            return (true, DnsWire.NameError, null);
        }

        var buffer = new byte[1232];
        for (var attempt = 0; attempt < _config.Attempts; attempt++)
        {
            foreach (var server in _config.Servers)
            {
                using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                timeout.CancelAfter(_config.Timeout);
                try
                {
                    await socket.ConnectAsync(server, timeout.Token).ConfigureAwait(false);
                    await socket.SendAsync(query, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                    while (true)
                    {
                        var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                        if (DnsWire.TryReadResponse(buffer.AsSpan(0, n), id, type, out var code, out var ttl))
                        {
                            return (true, code, ttl);
                        }
                    }
                }
                catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
                {
                    // This server did not answer in time: the next one.
                }
                catch (SocketException)
                {
                    // Unreachable (ICMP refused): the next one.
                }
            }
        }

        return (false, 0, null);
    }
}
