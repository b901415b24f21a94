using System.Net;
using System.Net.Sockets;

namespace Engine.Upstream.Dns;

/// <summary>
/// Asks the name servers of <see cref="ResolverConfig"/> for a name's address record, over UDP, to
/// learn its TTL. Addresses still come from the system resolver (hosts file and nsswitch included,
/// as the application next to the sidecar sees them); this only decides when to ask again. Search
/// list and ndots as the C library applies them; each server is tried <c>attempts</c> times with
/// <c>timeout</c>; an IPv4 record first, an IPv6 one when there is none. An answer truncated to
/// fit a datagram is asked again of the same server over TCP, as the C library does. Anything that
/// goes wrong (no server answers, a malformed answer, no record) means "no TTL known".
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
                        if (DnsWire.IsTruncatedResponse(buffer.AsSpan(0, n), id))
                        {
                            return await AskOverTcpAsync(server, query, id, type, timeout.Token).ConfigureAwait(false);
                        }

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
                catch (Exception e) when (e is SocketException or IOException)
                {
                    // Unreachable (ICMP refused), or its TCP answer failed: the next one.
                }
            }
        }

        return (false, 0, null);
    }

    /// <summary>The query again over TCP (§4.2.2), for an answer too large for a datagram; within what is left of the server's timeout.</summary>
    private static async Task<(bool Answered, int Code, TimeSpan? Ttl)> AskOverTcpAsync(EndPoint server, byte[] query, ushort id, ushort type, CancellationToken timeout)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server, timeout).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var framed = new byte[2 + query.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        await stream.WriteAsync(framed, timeout).ConfigureAwait(false);

        var length = new byte[2];
        await stream.ReadExactlyAsync(length, timeout).ConfigureAwait(false);
        var response = new byte[System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(length)];
        await stream.ReadExactlyAsync(response, timeout).ConfigureAwait(false);
        return DnsWire.TryReadResponse(response, id, type, out var code, out var ttl)
            ? (true, code, ttl)
            : throw new IOException("the name server's TCP answer was not a response to the query");
    }
}
