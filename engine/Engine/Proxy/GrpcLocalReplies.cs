using Engine.Protocols.Http;
using Engine.Routing.Policies;

namespace Engine.Proxy;

/// <summary>How a local reply looks to a gRPC caller (Envoy's Grpc::Utility, istio-semantics.md §6).</summary>
internal static class GrpcLocalReplies
{
    /// <summary>A gRPC request: content-type application/grpc, +proto, +json, … (not gRPC-Web).</summary>
    public static bool IsGrpcRequest(HttpRequestHead request)
    {
        var index = request.IndexOf(KnownHeader.ContentType);
        if (index < 0)
        {
            return false;
        }

        var value = request.ValueOf(index);
        return value.StartsWith("application/grpc"u8) && (value.Length == 16 || value[16] is (byte)'+' or (byte)';');
    }

    /// <summary>Envoy's httpToGrpcStatus.</summary>
    public static int FromHttpStatus(int status) => status switch
    {
        400 => GrpcStatusCodes.Internal,
        401 => GrpcStatusCodes.Unauthenticated,
        403 => GrpcStatusCodes.PermissionDenied,
        404 => GrpcStatusCodes.Unimplemented,
        429 or 502 or 503 or 504 => GrpcStatusCodes.Unavailable,
        _ => GrpcStatusCodes.Unknown,
    };
}
