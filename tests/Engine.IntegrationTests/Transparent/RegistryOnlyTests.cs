namespace Engine.IntegrationTests.Transparent;

/// <summary>
/// <c>--outbound-policy registry-only</c> (Istio's REGISTRY_ONLY), with the engine started as root
/// and dropping to uid 1337 itself (<c>--uid</c>): if it did not, its own upstream connections
/// would be captured and these calls would fail.
/// </summary>
[Collection(TransparentCollection.Name)]
public sealed class RegistryOnlyTests : IClassFixture<RegistryOnlyMesh>
{
    private readonly RegistryOnlyMesh _mesh;

    public RegistryOnlyTests(RegistryOnlyMesh mesh) => _mesh = mesh;

    [SkippableFact]
    public async Task UnknownHttpDestination_Gets502_FromTheProxy()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        var answer = await _mesh.CurlAsync(_mesh.Pod, TransparentMesh.AppUid, "http://10.77.0.1:7070/");

        Assert.Equal(502, answer.Status);
        Assert.Null(answer.ServedBy);
        Assert.Equal(0, _mesh.Servers("external").Connections);
    }

    [SkippableFact]
    public async Task UnknownTcpDestination_IsClosed()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        var received = await _mesh.TcpExchangeAsync("10.77.0.1", 7000, "hello"u8.ToArray());

        Assert.Empty(received);
        Assert.Equal(0, _mesh.Servers("tcp-echo").Connections);
        await _mesh.WaitForLogAsync("outbound tcp", "-> 10.77.0.1:7000 via BlackHoleCluster", "connection closed");
    }

    [SkippableFact]
    public async Task KnownServices_AreStillRouted()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        var http = await _mesh.CurlAsync(_mesh.Pod, TransparentMesh.AppUid, "-H", "Host: reviews", "-H", "end-user: jason", "http://10.77.0.1:9080/");
        var tcp = await _mesh.TcpExchangeAsync("10.77.100.20", 7100, "ping"u8.ToArray());

        Assert.Equal("reviews-v2", http.ServedBy);
        Assert.Equal("ping\n[tcp-v2] received 4 bytes\n", TransparentMesh.Text(tcp));
    }

    [SkippableFact]
    public async Task TheEngine_RunsAsTheProxyUser()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        var status = await File.ReadAllLinesAsync($"/proc/{_mesh.Engine.Id}/status");

        Assert.Contains(status, line => line.StartsWith("Uid:", StringComparison.Ordinal) && line.Split('\t', StringSplitOptions.RemoveEmptyEntries).Skip(1).All(id => id == "1337"));
        Assert.Contains(status, line => line.StartsWith("Gid:", StringComparison.Ordinal) && line.Split('\t', StringSplitOptions.RemoveEmptyEntries).Skip(1).All(id => id == "1337"));
    }
}
