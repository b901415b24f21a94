using System.Net;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Limits;

/// <summary>
/// The request-header limits on the `engine run` command line (Envoy's max_request_headers_kb and
/// max_headers_count), through the shipped binary: over them is 431 for HTTP/1.1 and HTTP/2 alike;
/// the defaults (60 KiB, 100 fields) let the same requests through.
/// </summary>
public sealed class HeaderLimitFlagTests : IAsyncLifetime
{
    private Upstreams _upstreams = null!;
    private string _config = null!;

    public async Task InitializeAsync()
    {
        _upstreams = await Upstreams.StartAsync("svc");
        _config = Directory.CreateTempSubdirectory("engine-limits-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_config, "mesh.yaml"), MeshYaml.Service("localhost", 80, (_upstreams.PortOf("svc"), "v1")));
    }

    public async Task DisposeAsync()
    {
        await _upstreams.DisposeAsync();
        Directory.Delete(_config, recursive: true);
    }

    private async Task<(EngineProcess Engine, IPEndPoint Endpoint)> StartAsync(string flags)
    {
        var port = FreePort.Next();
        var engine = EngineProcess.Start($"run --config {_config} --listen 127.0.0.1:{port} --admin none --access-log off {flags}");
        await engine.WaitForOutputAsync("ready on");
        return (engine, new IPEndPoint(IPAddress.Loopback, port));
    }

    private static string Request(int headers, int valueBytes)
        => "GET / HTTP/1.1\r\nHost: localhost\r\n"
           + string.Concat(Enumerable.Range(0, headers).Select(i => $"x-h{i}: {new string('v', valueBytes)}\r\n"))
           + "\r\n";

    [Theory]
    [InlineData("--max-request-headers-kb 2", 1, 3000)]
    [InlineData("--max-request-headers-count 5", 8, 10)]
    public async Task OverTheLimit_Http1_Gets431_AndTheDefaultLetsItThrough(string flags, int headers, int valueBytes)
    {
        var (limited, limitedEndpoint) = await StartAsync(flags);
        await using (limited)
        {
            await using var raw = await RawHttp.ConnectAsync(limitedEndpoint);
            await raw.SendAsync(Request(headers, valueBytes));
            Assert.Equal(431, (await raw.ReadResponseAsync()).Status);
        }

        var (defaults, defaultEndpoint) = await StartAsync(string.Empty);
        await using (defaults)
        {
            await using var raw = await RawHttp.ConnectAsync(defaultEndpoint);
            await raw.SendAsync(Request(headers, valueBytes));
            Assert.Equal(200, (await raw.ReadResponseAsync()).Status);
        }
    }

    [Fact]
    public async Task OverTheLimit_Http2_Gets431()
    {
        var (engine, endpoint) = await StartAsync("--max-request-headers-kb 2");
        await using (engine)
        {
            await using var client = await RawH2Client.HandshakeAsync(endpoint);
            await client.SendRequestAsync(1, fields: ("x-big", new string('v', 3000)));
            var (status, _) = await H2Assert.ResponseAsync(client, 1);
            Assert.Equal(431, status);

            await client.SendRequestAsync(3, fields: ("x-small", "v"));
            Assert.Equal(200, (await H2Assert.ResponseAsync(client, 3)).Status);
        }
    }
}
