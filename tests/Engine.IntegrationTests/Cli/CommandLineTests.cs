using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Cli;

/// <summary>The `engine` executable's verbs, as a user runs them.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public async Task Version_PrintsTheVersion()
    {
        var (code, output) = await EngineProcess.RunAsync("version");

        Assert.Equal(0, code);
        Assert.Matches(@"^engine \d+\.\d+\.\d+", output.Trim());
    }

    [Fact]
    public async Task Validate_TheBundledSampleMesh_IsValid()
    {
        var (code, output) = await EngineProcess.RunAsync("validate --config samples/bookinfo/mesh --config samples/bookinfo/routes/jason-v2-v3.yaml");

        Assert.True(code == 0, output);
        Assert.Contains("valid:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ABrokenFile_PrintsEveryProblemWithFileAndLine_AndExits1()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("engine-cli-").FullName, "broken.yaml");
        await File.WriteAllTextAsync(file, """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews, subset: v1}
                  weight: -5
                - destination: {host: reviews, subset: v2}
                timeout: soon
                bogusField: 1
            """);

        var (code, output) = await EngineProcess.RunAsync($"validate --config {file}");

        Assert.Equal(1, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith(file + ":10: VirtualService/reviews spec.http[0].route[0].weight", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(file + ":12: VirtualService/reviews spec.http[0].timeout", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(file + ":13: VirtualService/reviews spec.http[0].bogusField", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_WithoutConfig_SaysHowToStart_NotAStackTrace()
    {
        var (code, output) = await EngineProcess.RunAsync("run");

        Assert.NotEqual(0, code);
        Assert.Contains("engine run --config", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run --config samples/bookinfo/mesh --listen")]
    [InlineData("echo --name busy --listen")]
    public async Task Listen_OnAPortInUse_SaysSo_NotAStackTrace(string command)
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var endpoint = (System.Net.IPEndPoint)holder.LocalEndpoint;

        var (code, output) = await EngineProcess.RunAsync($"{command} {endpoint}");

        Assert.Equal(1, code);
        Assert.Contains($"cannot listen on {endpoint}", output, StringComparison.Ordinal);
        Assert.Contains("in use", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithABrokenConfig_RefusesToStart_AndNamesTheFileAndLine()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("engine-cli-").FullName, "broken.yaml");
        await File.WriteAllTextAsync(file, "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x}\nspec:\n  hosts: [x]\n  http: [ {route: [ {destination: {host: x}} ]} \n");

        var (code, output) = await EngineProcess.RunAsync($"run --config {file} --listen 127.0.0.1:{FreePort.Next()}");

        Assert.Equal(1, code);
        Assert.Contains(file + ":", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_SaysWhichRuleMatched_AndWhereTheRequestGoes()
    {
        var (code, output) = await EngineProcess.RunAsync(
            "explain --config samples/bookinfo/mesh --config samples/bookinfo/routes/jason-v2-v3.yaml \"GET http://reviews:9080/reviews/1\" -H \"end-user: jason\"");

        Assert.True(code == 0, output);
        Assert.Contains("VirtualService default/reviews", output, StringComparison.Ordinal);
        Assert.Matches(@"rule 0\s+reviews\.0: match\[0\] header end-user exact ""jason"" → matches", output);
        Assert.Contains("outbound|9080|v2|reviews.default.svc.cluster.local", output, StringComparison.Ordinal);
        Assert.Contains("endpoint 127.0.10.12:9080", output, StringComparison.Ordinal);
        Assert.Contains("retries   2 retries on connect-failure,refused-stream,retriable-status-codes,cancelled,unavailable", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_SaysWhyARuleDidNotMatch()
    {
        var (code, output) = await EngineProcess.RunAsync(
            "explain --config samples/bookinfo/mesh --config samples/bookinfo/routes/jason-v2-v3.yaml http://reviews:9080/ -H \"end-user: bob\"");

        Assert.Equal(0, code);
        Assert.Contains("does not hold for \"bob\"", output, StringComparison.Ordinal);
        Assert.Contains("outbound|9080|v3|reviews.default.svc.cluster.local", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_AnUnknownHost_IsNotRouted_Exit3()
    {
        var (code, output) = await EngineProcess.RunAsync("explain --config samples/bookinfo/mesh http://nowhere.example/");

        Assert.Equal(3, code);
        Assert.Contains("is not routed", output, StringComparison.Ordinal);
    }
}
