using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Engine.Config.Model;

namespace Engine.Interception;

/// <summary>
/// DestinationRule <c>tunnel</c> with <c>protocol: CONNECT</c> on a TCP or TLS route, as Envoy's
/// tcp_proxy <c>tunneling_config</c> does over HTTP/1.1: the connection to the cluster's endpoint
/// (a forward proxy) first asks it <c>CONNECT targetHost:targetPort</c>, and the app's bytes flow
/// only after a 2xx answer. The answer's head is read byte by byte, so not a byte of the tunnel
/// that may follow it is taken from the socket the pump reads next.
/// </summary>
internal static class HttpConnectTunnel
{
    private const int MaxHeadBytes = 8 * 1024;

    /// <summary>The <c>host:port</c> a tunnel asks for (IPv6 literals bracketed).</summary>
    public static string Authority(TunnelSettings tunnel)
    {
        var host = tunnel.TargetHost.Contains(':', StringComparison.Ordinal) ? $"[{tunnel.TargetHost}]" : tunnel.TargetHost;
        return string.Create(CultureInfo.InvariantCulture, $"{host}:{tunnel.TargetPort}");
    }

    /// <summary>Asks for the tunnel; null when it is open, else why not (the answer's status line, or how the exchange failed).</summary>
    public static async Task<string?> OpenAsync(Socket upstream, string authority, TimeSpan timeout, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(timeout);
        try
        {
            await upstream.SendAsync(Encoding.ASCII.GetBytes($"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n"), SocketFlags.None, deadline.Token).ConfigureAwait(false);
            var head = new byte[MaxHeadBytes];
            var length = 0;
            while (length < 4 || !head.AsSpan(length - 4, 4).SequenceEqual("\r\n\r\n"u8))
            {
                if (length == head.Length)
                {
                    return "tunnel answer head over 8 KiB";
                }

                if (await upstream.ReceiveAsync(head.AsMemory(length, 1), SocketFlags.None, deadline.Token).ConfigureAwait(false) == 0)
                {
                    return "tunnel closed before its answer";
                }

                length++;
            }

            var statusLine = Encoding.ASCII.GetString(head, 0, head.AsSpan(0, length).IndexOf("\r\n"u8));
            var parts = statusLine.Split(' ', 3);
            return parts.Length >= 2 && parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) && parts[1].Length == 3 && parts[1][0] == '2'
                ? null
                : $"tunnel refused: {statusLine}";
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return "tunnel answer timed out";
        }
        catch (SocketException e)
        {
            return $"tunnel failed: {e.SocketErrorCode}";
        }
    }
}
