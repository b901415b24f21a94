using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Engine.Config.Model;

namespace Engine.Interception;

/// <summary>
/// DestinationRule <c>tunnel</c> on a TCP or TLS route, as Envoy's tcp_proxy <c>tunneling_config</c>
/// does over HTTP/1.1: the connection to the cluster's endpoint (a forward proxy) first asks it
/// <c>CONNECT targetHost:targetPort</c> — or, with <c>protocol: POST</c>, sends a POST for "/" with
/// <c>Host: targetHost:targetPort</c> whose chunked body carries the app's bytes
/// (<see cref="PostTunnelFraming"/>) — and the app's bytes flow only after a 2xx answer. The
/// answer's head is read byte by byte, so not a byte of the tunnel that may follow it is taken from
/// the socket the pump reads next.
/// </summary>
internal static class HttpTunnel
{
    private const int MaxHeadBytes = 8 * 1024;

    /// <summary>The <c>host:port</c> a tunnel asks for (IPv6 literals bracketed).</summary>
    public static TunnelTarget Target(TunnelSettings tunnel)
    {
        var host = tunnel.TargetHost.Contains(':', StringComparison.Ordinal) ? $"[{tunnel.TargetHost}]" : tunnel.TargetHost;
        return new TunnelTarget(string.Create(CultureInfo.InvariantCulture, $"{host}:{tunnel.TargetPort}"), tunnel.Protocol == "POST");
    }

    /// <summary>
    /// Asks for the tunnel. Refused: why not (the answer's status line, or how the exchange failed),
    /// else null; a POST tunnel's open answer comes with the framing of its body.
    /// </summary>
    public static async Task<(string? Refused, PostTunnelFraming? Post)> OpenAsync(L4Upstream upstream, TunnelTarget target, TimeSpan timeout, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(timeout);
        try
        {
            var request = target.Post
                ? $"POST / HTTP/1.1\r\nHost: {target.Authority}\r\nTransfer-Encoding: chunked\r\n\r\n"
                : $"CONNECT {target.Authority} HTTP/1.1\r\nHost: {target.Authority}\r\n\r\n";
            await upstream.SendAsync(Encoding.ASCII.GetBytes(request), deadline.Token).ConfigureAwait(false);
            var head = new byte[MaxHeadBytes];
            var length = 0;
            while (length < 4 || !head.AsSpan(length - 4, 4).SequenceEqual("\r\n\r\n"u8))
            {
                if (length == head.Length)
                {
                    return ("tunnel answer head over 8 KiB", null);
                }

                if (await upstream.ReceiveAsync(head.AsMemory(length, 1), deadline.Token).ConfigureAwait(false) == 0)
                {
                    return ("tunnel closed before its answer", null);
                }

                length++;
            }

            var text = Encoding.ASCII.GetString(head, 0, length);
            var statusLine = text[..text.IndexOf("\r\n", StringComparison.Ordinal)];
            var parts = statusLine.Split(' ', 3);
            if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || parts[1].Length != 3 || parts[1][0] != '2')
            {
                return ($"tunnel refused: {statusLine}", null);
            }

            return (null, target.Post ? PostTunnelFraming.ForAnswer(text) : null);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return ("tunnel answer timed out", null);
        }
        catch (SocketException e)
        {
            return ($"tunnel failed: {e.SocketErrorCode}", null);
        }
    }
}

/// <summary>What a cluster's <c>tunnel</c> asks its endpoint for: <c>host:port</c>, by CONNECT or POST.</summary>
internal sealed record TunnelTarget(string Authority, bool Post)
{
    public string Method => Post ? "POST" : "CONNECT";
}
