using Engine.IntegrationTests.Grpc.Protos;
using Engine.IntegrationTests.Infrastructure;
using Grpc.Core;

namespace Engine.IntegrationTests.Grpc;

/// <summary>The shipped binary: `engine run` as a process in front of the gRPC server, the .NET gRPC client through it.</summary>
public sealed class GrpcEngineRunTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _guard = new(TimeSpan.FromSeconds(60));
    private GrpcTestServer _server = null!;
    private string _configDir = null!;

    public async Task InitializeAsync()
    {
        _server = await GrpcTestServer.StartAsync("grpc-1");
        _configDir = Directory.CreateTempSubdirectory("engine-grpc-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_configDir, "mesh.yaml"), GrpcMesh.Service((_server, "v1")) + "---\n" + GrpcMesh.Route("    retries: {attempts: 2, retryOn: unavailable}"));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_configDir, recursive: true);
        _guard.Dispose();
    }

    [Fact]
    public async Task EngineRun_ProxiesUnaryStreamingAndRetriedGrpcCalls()
    {
        var port = FreePort.Next();
        await using var engine = EngineProcess.Start($"run --config {_configDir} --listen 127.0.0.1:{port} --admin none");
        await engine.WaitForOutputAsync("ready on");
        using var channel = GrpcClients.Via(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port), GrpcMesh.Authority);
        var client = channel.Client();

        var echo = await client.EchoAsync(new EchoRequest { Message = "hi" }, cancellationToken: _guard.Token);
        using var call = client.Count(new CountRequest { Count = 100 }, cancellationToken: _guard.Token);
        var count = 0;
        await foreach (var _ in call.ResponseStream.ReadAllAsync(_guard.Token))
        {
            count++;
        }

        var retried = await client.FailAsync(new FailRequest { Key = "run", StatusCode = (int)StatusCode.Unavailable, FailFirst = 2 }, cancellationToken: _guard.Token);

        Assert.Equal("grpc-1", echo.Server);
        Assert.Equal(GrpcMesh.Authority, echo.Authority);
        Assert.Equal(100, count);
        Assert.Equal("grpc-1", call.GetTrailers().GetValue(GrpcTestServer.Trailer));
        Assert.Equal(3, retried.Calls);
    }
}
