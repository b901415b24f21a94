using System.ComponentModel;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Engine.IntegrationTests.Infrastructure.Netns;

/// <summary>
/// A throw-away network namespace (<c>ip netns add</c>) that the tests create and delete. Its
/// name carries the test process id, so namespaces left by a run that crashed are recognised
/// and removed by the next (<see cref="RemoveStale"/>). Deleting a namespace takes its
/// interfaces, addresses and iptables rules with it; nothing is ever set up in the host's.
/// </summary>
internal sealed class NetworkNamespace : IAsyncDisposable
{
    private const string Prefix = "engt-";
    private static int _counter;

    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    public static async Task<NetworkNamespace> CreateAsync(string role)
    {
        var name = $"{Prefix}{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}-{role}";
        await HostCommand.CheckAsync("ip", "netns", "add", name);
        var ns = new NetworkNamespace(name);
        await ns.CheckAsync("ip", "link", "set", "lo", "up");
        return ns;
    }

    /// <summary>Connects two namespaces with a veth pair created directly inside them (no name ever exists in the host namespace).</summary>
    public static Task LinkAsync(NetworkNamespace a, string aInterface, NetworkNamespace b, string bInterface)
        => HostCommand.CheckAsync("ip", "link", "add", aInterface, "netns", a.Name, "type", "veth", "peer", "name", bInterface, "netns", b.Name);

    /// <summary>
    /// Deletes namespaces of earlier test runs whose process is gone, after stopping what they
    /// left running inside (an engine or a server of a run that crashed).
    /// </summary>
    public static async Task RemoveStale()
    {
        var (_, list, _) = await HostCommand.RunAsync(["ip", "netns", "list"]);
        foreach (var line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            var parts = name.Split('-');
            if (name.StartsWith(Prefix, StringComparison.Ordinal) && parts.Length > 1
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !Directory.Exists($"/proc/{pid}"))
            {
                var (_, pids, _) = await HostCommand.RunAsync(["ip", "netns", "pids", name]);
                foreach (var leftover in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    await HostCommand.RunAsync(["kill", "-KILL", leftover.Trim()]);
                }

                await HostCommand.RunAsync(["ip", "netns", "del", name]);
            }
        }
    }

    /// <summary>The command line that runs <paramref name="command"/> inside this namespace, optionally as another user.</summary>
    public string[] Exec(int? uid, params string[] command)
    {
        var prefix = new List<string> { "ip", "netns", "exec", Name };
        if (uid is { } id)
        {
            var text = id.ToString(CultureInfo.InvariantCulture);
            prefix.AddRange(["setpriv", "--reuid", text, "--regid", text, "--clear-groups"]);
        }

        return [.. prefix, .. command];
    }

    public Task<string> CheckAsync(params string[] command) => HostCommand.CheckAsync(Exec(null, command));

    public Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(int? uid, params string[] command) => HostCommand.RunAsync(Exec(uid, command));

    /// <summary>
    /// A socket that lives in this namespace: created on a thread of its own that entered the
    /// namespace (setns changes only the calling thread, and the thread ends right after), so the
    /// test process itself never moves. The socket keeps its namespace for its whole life.
    /// </summary>
    public Socket CreateSocket(AddressFamily family)
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/run/netns/{Name}");
                if (NetnsNative.SetNs((int)handle.DangerousGetHandle(), NetnsNative.CloneNewNet) != 0)
                {
                    throw new Win32Exception(Marshal.GetLastPInvokeError(), "setns " + Name);
                }

                socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        return socket ?? throw new InvalidOperationException("cannot create a socket in " + Name, error);
    }

    public async ValueTask DisposeAsync() => await HostCommand.RunAsync(["ip", "netns", "del", Name]);
}
