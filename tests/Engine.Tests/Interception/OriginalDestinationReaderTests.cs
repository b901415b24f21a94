using System.Net;
using System.Net.Sockets;
using Engine.Interception;

namespace Engine.Tests.Interception;

/// <summary>
/// The shim on real loopback sockets that nothing redirected: the kernel answers either "no NAT
/// entry" or, when conntrack tracks the connection, the address it was sent to (the listener's
/// own) — which the gate treats as not redirected. Either way the call itself must be well
/// formed for each socket kind (a wrong option level or length would be EINVAL/EFAULT). Real
/// redirects are covered by the network-namespace tests (Engine.IntegrationTests/Transparent).
/// </summary>
public sealed class OriginalDestinationReaderTests
{
    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", false)] // IPv4 listener
    [InlineData("::", "127.0.0.1", true)]         // dual-mode listener, IPv4 client: IPv4-mapped, needs SOL_IP
    [InlineData("::1", "::1", false)]             // IPv6
    public async Task NotRedirected_IsReportedOrIsTheLocalAddress(string listen, string connect, bool dualMode)
    {
        using var listener = new Socket(IPAddress.Parse(listen).AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (dualMode)
        {
            listener.DualMode = true;
        }

        listener.Bind(new IPEndPoint(IPAddress.Parse(listen), 0));
        listener.Listen();
        using var client = new Socket(IPAddress.Parse(connect).AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(new IPEndPoint(IPAddress.Parse(connect), ((IPEndPoint)listener.LocalEndPoint!).Port));
        using var accepted = await listener.AcceptAsync();

        var error = OriginalDestinationReader.TryRead(accepted, out var destination, out var errno);

        Assert.True(error is OriginalDestinationError.None or OriginalDestinationError.NotRedirected or OriginalDestinationError.NotSupported, $"{error} errno {errno}");
        if (error == OriginalDestinationError.None)
        {
            Assert.True(destination.IsSameAs(new ServerAddress((IPEndPoint)accepted.LocalEndPoint!)), destination.ToString());
        }
    }
}
