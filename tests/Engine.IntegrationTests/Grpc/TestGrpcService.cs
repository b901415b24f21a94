using Engine.IntegrationTests.Grpc.Protos;
using Grpc.Core;

namespace Engine.IntegrationTests.Grpc;

/// <summary>
/// The test service. Every answer, success or failure, ends with grpc-status, a grpc-message and
/// the <see cref="GrpcTestServer.Trailer"/> trailer, so a test can see all three were forwarded.
/// </summary>
internal sealed class TestGrpcService(GrpcTestServer server) : TestService.TestServiceBase
{
    public override Task<EchoReply> Echo(EchoRequest request, ServerCallContext context)
    {
        server.CountCall();
        Finish(context);
        return Task.FromResult(Describe(request.Message, context));
    }

    public override async Task Count(CountRequest request, IServerStreamWriter<Number> responseStream, ServerCallContext context)
    {
        server.CountCall();
        for (var i = 1; i <= request.Count; i++)
        {
            await responseStream.WriteAsync(new Number { Value = i }, context.CancellationToken).ConfigureAwait(false);
        }

        Finish(context);
    }

    public override async Task<SumReply> Sum(IAsyncStreamReader<Number> requestStream, ServerCallContext context)
    {
        server.CountCall();
        var reply = new SumReply { Server = server.Name };
        await foreach (var number in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            reply.Total += number.Value;
            reply.Count++;
        }

        Finish(context);
        return reply;
    }

    public override async Task Chat(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        server.CountCall();
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(Describe(request.Message, context), context.CancellationToken).ConfigureAwait(false);
        }

        Finish(context);
    }

    public override Task<FailReply> Fail(FailRequest request, ServerCallContext context)
    {
        var calls = server.CountCall(request.Key);
        if (calls <= request.FailFirst)
        {
            // Thrown before any message: ASP.NET Core answers trailers-only (grpc-status in the
            // response headers), which is what Envoy's gRPC retry conditions look at.
            throw new RpcException(
                new Status((StatusCode)request.StatusCode, $"{server.Name} fails call {calls} of {request.FailFirst}"),
                new Metadata { { GrpcTestServer.Trailer, server.Name } });
        }

        Finish(context);
        return Task.FromResult(new FailReply { Calls = calls, Server = server.Name });
    }

    public override async Task<EchoReply> Slow(SlowRequest request, ServerCallContext context)
    {
        server.CountCall();
        try
        {
            await Task.Delay(request.DelayMs, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            server.CountCancelled();
            throw;
        }

        Finish(context);
        return Describe(request.Message, context);
    }

    private void Finish(ServerCallContext context)
    {
        context.ResponseTrailers.Add(GrpcTestServer.Trailer, server.Name);
        context.Status = new Status(StatusCode.OK, "served by " + server.Name);
    }

    private EchoReply Describe(string message, ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var reply = new EchoReply
        {
            Message = message,
            Server = server.Name,
            Authority = http.Request.Host.Value ?? string.Empty,
            Protocol = http.Request.Protocol,
        };
        foreach (var header in http.Request.Headers)
        {
            reply.Metadata[header.Key.ToLowerInvariant()] = header.Value.ToString();
        }

        return reply;
    }
}
