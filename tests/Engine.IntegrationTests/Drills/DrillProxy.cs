using System.Globalization;
using System.Net;
using System.Text;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Drills;

/// <summary>
/// The shipped binary (<c>engine run</c>) as the proxy under a failure drill, with one service per
/// upstream port (<c>NAME:8080</c>), and what a drill watches from outside: open file descriptors
/// and resident memory of the proxy process (/proc).
/// </summary>
internal sealed class DrillProxy : IAsyncDisposable
{
    private readonly EngineProcess _process;
    private readonly string _configDirectory;

    private DrillProxy(EngineProcess process, string configDirectory, IPEndPoint endpoint)
    {
        _process = process;
        _configDirectory = configDirectory;
        Endpoint = endpoint;
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>The folder <c>engine run --config</c> watches (mesh.yaml is the services).</summary>
    public string ConfigDirectory => _configDirectory;

    public bool HasExited => _process.HasExited;

    public string Output => _process.Output;

    public static async Task<DrillProxy> StartAsync(params (string Name, int Port)[] services)
    {
        var directory = Directory.CreateTempSubdirectory("engine-drill-").FullName;
        var yaml = string.Join("---\n", services.Select(s => MeshYaml.Service(s.Name, 8080, (s.Port, "v1"))));
        await File.WriteAllTextAsync(Path.Combine(directory, "mesh.yaml"), yaml).ConfigureAwait(false);
        var endpoint = new IPEndPoint(IPAddress.Loopback, FreePort.Next());
        var process = EngineProcess.Start($"run --config {directory} --listen {endpoint}");
        await process.WaitForOutputAsync("ready on").ConfigureAwait(false);
        return new DrillProxy(process, directory, endpoint);
    }

    /// <summary>SIGHUP: the engine reloads its configuration at once.</summary>
    public void Hangup() => System.Diagnostics.Process.Start("kill", ["-HUP", _process.Id.ToString(CultureInfo.InvariantCulture)])?.WaitForExit();

    /// <summary>Open file descriptors of the proxy (sockets, the listener, its own files).</summary>
    public int OpenFileDescriptors() => Directory.GetFileSystemEntries($"/proc/{_process.Id}/fd").Length;

    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>
    /// Descriptors the proxy holds for what a drill may have caused: all open ones except idle
    /// pooled connections to the <paramref name="healthyUpstreamPorts"/> (keeping those is the
    /// pool's job: Istio's default idle timeout is an hour).
    /// </summary>
    public int HeldDescriptors(params int[] healthyUpstreamPorts)
        => OpenFileDescriptors() - Sockets().Count(s => s.State == "ESTAB" && healthyUpstreamPorts.Contains(s.PeerPort));

    /// <summary>
    /// Waits (generously) until <see cref="HeldDescriptors"/> is back to <paramref name="baseline"/>
    /// plus <paramref name="slack"/> and no socket is left half-closed (CLOSE-WAIT): what a drill
    /// opened has been given back.
    /// </summary>
    public async Task WaitForReleaseAsync(int baseline, int[] healthyUpstreamPorts, int slack = 8, int timeoutMs = 30_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (HeldDescriptors(healthyUpstreamPorts) > baseline + slack || Sockets().Any(s => s.State == "CLOSE-WAIT"))
        {
            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail($"the proxy still holds {HeldDescriptors(healthyUpstreamPorts)} descriptors (baseline {baseline} +{slack}) after {timeoutMs} ms; its TCP sockets: {SocketSummary()}");
            }

            await Task.Delay(250).ConfigureAwait(false);
        }
    }

    /// <summary>The proxy's TCP sockets counted by state and side (downstream: on the listener's port).</summary>
    public string SocketSummary()
        => string.Join(", ", Sockets()
            .GroupBy(s => $"{s.State} {(s.LocalPort == Endpoint.Port ? "downstream" : "upstream:" + s.PeerPort)}")
            .Select(g => $"{g.Key} ×{g.Count()}"));

    /// <summary>The proxy's TCP sockets, from <c>ss</c> (iproute2).</summary>
    private List<(string State, int LocalPort, int PeerPort)> Sockets()
    {
        var info = new System.Diagnostics.ProcessStartInfo("ss", "-tanpH") { RedirectStandardOutput = true };
        using var ss = System.Diagnostics.Process.Start(info)!;
        var lines = ss.StandardOutput.ReadToEnd().Split('\n');
        ss.WaitForExit();
        static int PortOf(string address) => int.TryParse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture, out var port) ? port : 0;
        return lines
            .Where(l => l.Contains($"pid={_process.Id},", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => (f[0], PortOf(f[3]), PortOf(f[4])))
            .ToList();
    }

    /// <summary>One request on a fresh connection; the status, or 0 when the connection failed.</summary>
    public async Task<int> StatusOfAsync(string service, string extraHeaders = "")
    {
        try
        {
            await using var raw = await RawHttp.ConnectAsync(Endpoint).ConfigureAwait(false);
            await raw.SendAsync($"GET / HTTP/1.1\r\nHost: {service}:8080\r\n{extraHeaders}Connection: close\r\n\r\n").ConfigureAwait(false);
            return (await raw.ReadResponseAsync().ConfigureAwait(false)).Status;
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or System.Net.Sockets.SocketException)
        {
            return 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_configDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);
}
