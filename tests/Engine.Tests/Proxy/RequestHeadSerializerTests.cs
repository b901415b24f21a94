using System.Buffers;
using System.Text;
using Engine.Proxy;
using Engine.Tests.Routing;

namespace Engine.Tests.Proxy;

/// <summary>What the HTTP/1.1 upstream head says about the request's deadline (Envoy's setTimeoutHeaders).</summary>
public sealed class RequestHeadSerializerTests
{
    private static string Serialize(Engine.Protocols.Http.HttpRequestHead head, UpstreamRequestExtras extras)
    {
        var output = new ArrayBufferWriter<byte>();
        RequestHeadSerializer.Write(output, head, extras);
        return Encoding.ASCII.GetString(output.WrittenSpan);
    }

    [Fact]
    public void NoTimeout_ForwardsTheHeadersAsTheyCame()
    {
        var head = RequestHeads.Parse("GET", "svc", "/", ("grpc-timeout", "5S"), ("x-envoy-expected-rq-timeout-ms", "9"));

        var text = Serialize(head, new UpstreamRequestExtras(1, false));

        Assert.Contains("grpc-timeout: 5S\r\n", text, StringComparison.Ordinal);
        Assert.Contains("x-envoy-expected-rq-timeout-ms: 9\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpectedTimeout_ReplacesTheClientsValue()
    {
        var head = RequestHeads.Parse("GET", "svc", "/", ("x-envoy-expected-rq-timeout-ms", "9"), ("grpc-timeout", "5S"));

        var text = Serialize(head, new UpstreamRequestExtras(1, false, ExpectedTimeoutMs: 300));

        Assert.Contains("x-envoy-expected-rq-timeout-ms: 300\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("x-envoy-expected-rq-timeout-ms: 9", text, StringComparison.Ordinal);
        Assert.Contains("grpc-timeout: 5S\r\n", text, StringComparison.Ordinal); // not a gRPC request: left alone
    }

    [Fact]
    public void GrpcRequest_GetsTheExpectedTimeoutAsItsGrpcTimeout()
    {
        var head = RequestHeads.Parse("POST", "svc", "/", ("content-type", "application/grpc"), ("grpc-timeout", "5S"));

        var text = Serialize(head, new UpstreamRequestExtras(1, false, ExpectedTimeoutMs: 1200, RewriteGrpcTimeout: true));

        Assert.Contains("grpc-timeout: 1200m\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("5S", text, StringComparison.Ordinal);
        Assert.Contains("x-envoy-expected-rq-timeout-ms: 1200\r\n", text, StringComparison.Ordinal);
    }
}
