using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Engine.IntegrationTests.Transparent;

/// <summary>
/// DestinationRule policies on captured opaque TCP, end to end (the native engine as the pod's
/// sidecar, see <see cref="TransparentMesh"/>): the app's connections to a port declared TCP are
/// proxied at L4 as Envoy's tcp_proxy does, under the cluster's maxConnections and outlier
/// detection and the rule's tcp idle timeout.
/// </summary>
[Collection(TransparentCollection.Name)]
public sealed class TcpPolicyTests : IClassFixture<AllowAnyMesh>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private readonly AllowAnyMesh _mesh;

    public TcpPolicyTests(AllowAnyMesh mesh) => _mesh = mesh;

    [SkippableFact]
    public async Task MaxConnectionsOne_ClosesASecondConnectionWhileTheFirstIsOpen_AndAcceptsOneAfterItCloses()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        using var first = await ConnectAsync("10.77.100.40", 7400);
        Assert.Equal("one", await EchoAsync(first, "one"));

        using var second = await ConnectAsync("10.77.100.40", 7400);
        Assert.True(await IsClosedAsync(second), "a second connection over tcp.maxConnections: 1 was proxied");
        await _mesh.WaitForLogAsync("-> 10.77.100.40:7400 via outbound|7400||tcp-limited", "connection limit reached", "(UO)");

        first.Shutdown(SocketShutdown.Send);
        Assert.True(await IsClosedAsync(first, drain: true));
        await _mesh.WaitForLogAsync("-> 10.77.100.40:7400 via outbound|7400||tcp-limited", ": Closed,"); // the slot is free

        using var third = await ConnectAsync("10.77.100.40", 7400);
        Assert.Equal("three", await EchoAsync(third, "three"));
    }

    [SkippableFact]
    public async Task RefusingEndpoint_IsEjectedAfterConsecutiveConnectFailures_AndLaterConnectionsGoToTheHealthyOne()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        var failures = 0;
        for (var i = 0; i < 8; i++)
        {
            using var connection = await ConnectAsync("10.77.100.41", 7500);
            failures += await EchoAsync(connection, "ping") == "ping" ? 0 : 1;
        }

        // Round robin over a refusing and a live endpoint: 4 of 8 would fail without outlier
        // detection; consecutive5xxErrors: 2 ejects the refusing one after its second failure.
        Assert.Equal(2, failures);
        await _mesh.WaitForLogAsync("-> 10.77.100.41:7500 via outbound|7500||tcp-flaky.default.svc.cluster.local (10.77.0.1:7009", "upstream connect Refused");
    }

    [SkippableFact]
    public async Task DestinationRuleTcpIdleTimeout_ClosesAnIdleConnection_WhileTheDefaultKeepsOneOpen()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        using var governed = await ConnectAsync("10.77.100.42", 7600);     // idleTimeout: 1s
        using var ungoverned = await ConnectAsync("10.77.100.20", 7100);   // no DestinationRule timeout: 1 h
        Assert.Equal("a", await EchoAsync(governed, "a"));
        Assert.Equal("b", await EchoAsync(ungoverned, "b"));
        var idleSince = Stopwatch.StartNew();

        Assert.True(await IsClosedAsync(governed), "the 1s idle timeout did not close the connection");
        Assert.InRange(idleSince.Elapsed, TimeSpan.FromSeconds(0.9), Deadline);
        await _mesh.WaitForLogAsync("-> 10.77.100.42:7600 via outbound|7600||tcp-idle", "IdleTimeout");

        await Task.Delay(TimeSpan.FromSeconds(1.5)); // idle past the other's 1s too (a measured wait, not a synchronisation)
        Assert.Equal("still here", await EchoAsync(ungoverned, "still here"));
    }

    /// <summary>A connection from inside the pod (as root: captured like any app), to a VIP.</summary>
    private async Task<Socket> ConnectAsync(string vip, int port)
    {
        var socket = _mesh.Pod.CreateSocket(AddressFamily.InterNetwork);
        using var deadline = new CancellationTokenSource(Deadline);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(vip), port), deadline.Token);
        return socket;
    }

    /// <summary>Sends the text and reads as many bytes back; empty when the proxy closed the connection instead.</summary>
    private static async Task<string> EchoAsync(Socket socket, string text)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        var received = new byte[text.Length];
        var total = 0;
        try
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None, deadline.Token);
            while (total < received.Length)
            {
                var n = await socket.ReceiveAsync(received.AsMemory(total), SocketFlags.None, deadline.Token);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }
        }
        catch (SocketException)
        {
            // Reset: nothing echoed.
        }

        return Encoding.ASCII.GetString(received, 0, total);
    }

    /// <summary>
    /// True when the proxy closes the connection (FIN or reset) within the deadline; with
    /// <paramref name="drain"/>, whatever the server still sends first is read and dropped.
    /// </summary>
    private static async Task<bool> IsClosedAsync(Socket socket, bool drain = false)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                if (await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token) == 0)
                {
                    return true;
                }

                if (!drain)
                {
                    return false;
                }
            }
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
