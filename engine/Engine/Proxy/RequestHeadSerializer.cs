using System.Buffers.Text;
using System.Buffers;
using Engine.Protocols.Http;

namespace Engine.Proxy;

/// <summary>
/// Writes the head of a request going upstream over HTTP/1.1: the client's own header bytes,
/// minus hop-by-hop fields (RFC 9110 §7.6.1), plus what the Envoy sidecar adds.
/// </summary>
internal static class RequestHeadSerializer
{
    public static void Write(IBufferWriter<byte> output, HttpRequestHead head, in UpstreamRequestExtras extras)
    {
        var w = new PipeHeadWriter(output);
        w.Write(head.Span(head.MethodBytes));
        w.WriteByte((byte)' ');
        w.Write(head.Span(head.Path));
        w.Write(" HTTP/1.1\r\nhost: "u8);
        var authority = head.Span(head.Authority);
        if (extras.ShadowHost)
        {
            var at = Mirroring.ShadowHost.InsertAt(authority);
            w.Write(authority[..at]);
            w.Write(Mirroring.ShadowHost.Suffix);
            w.Write(authority[at..]);
        }
        else
        {
            w.Write(authority);
        }

        w.Write("\r\n"u8);

        var sawForwardedProto = false;
        var sawRequestId = false;
        var headers = head.Headers;
        for (var i = 0; i < headers.Length; i++)
        {
            ref readonly var field = ref headers[i];
            switch (field.Known)
            {
                case KnownHeader.Upgrade when extras.Upgrade:
                    break; // a WebSocket upgrade goes through, as Istio's upgrade_configs allow
                case KnownHeader.Host:
                case KnownHeader.Connection:
                case KnownHeader.KeepAlive:
                case KnownHeader.ProxyConnection:
                case KnownHeader.Te:
                case KnownHeader.TransferEncoding:
                case KnownHeader.Upgrade:
                case KnownHeader.Expect: // answered here with 100 Continue, as Envoy does by default
                case KnownHeader.XEnvoyAttemptCount:
                    continue;
                case KnownHeader.XEnvoyExpectedRqTimeoutMs or KnownHeader.GrpcTimeout when extras.ExpectedTimeoutMs > 0
                    && (field.Known == KnownHeader.XEnvoyExpectedRqTimeoutMs || extras.RewriteGrpcTimeout):
                    continue; // replaced below
                case KnownHeader.XForwardedProto:
                    sawForwardedProto = true;
                    break;
                case KnownHeader.XRequestId:
                    sawRequestId = true;
                    break;
                case KnownHeader.None when (head.Connection & ConnectionOptions.OtherTokens) != 0
                                           && HopByHop.IsNominatedByConnection(head, head.Span(field.Name)):
                    continue;
            }

            w.WriteField(head, field);
        }

        w.EndFields(head);
        if (!sawForwardedProto)
        {
            w.Write(head.Scheme.Length == 5 ? "x-forwarded-proto: https\r\n"u8 : "x-forwarded-proto: http\r\n"u8);
        }

        if (!sawRequestId && extras.GenerateRequestId)
        {
            w.Write("x-request-id: "u8);
            Span<byte> uuid = stackalloc byte[36];
            RequestIds.NewUuid(uuid);
            w.Write(uuid);
            w.Write("\r\n"u8);
        }

        if (extras.AttemptCount > 0)
        {
            w.WriteHeader("x-envoy-attempt-count"u8, extras.AttemptCount);
        }

        if (extras.ExpectedTimeoutMs > 0)
        {
            // Envoy's setTimeoutHeaders: the upstream learns its deadline; a gRPC server gets it
            // as its own grpc-timeout (Istio sets max_grpc_timeout on every route).
            w.WriteHeader("x-envoy-expected-rq-timeout-ms"u8, extras.ExpectedTimeoutMs);
            if (extras.RewriteGrpcTimeout)
            {
                Span<byte> value = stackalloc byte[Engine.Routing.Policies.GrpcTimeout.MaxFormattedLength];
                w.WriteHeader("grpc-timeout"u8, value[..Engine.Routing.Policies.GrpcTimeout.Format(extras.ExpectedTimeoutMs, value)]);
            }
        }

        if (extras.Upgrade)
        {
            w.Write("connection: upgrade\r\n"u8);
        }

        if (head.Chunked || extras.ChunkedBody)
        {
            w.Write("transfer-encoding: chunked\r\n"u8);
        }
        else if (head.ContentLength < 0 && extras.BodyLength > 0)
        {
            // An HTTP/2 request need not declare its length; HTTP/1.1 must frame the body somehow.
            w.WriteHeader("content-length"u8, extras.BodyLength);
        }

        w.Write("\r\n"u8);
        w.Commit();
    }
}

/// <summary>Per-attempt values the serializer adds to an upstream request.</summary>
/// <remarks>
/// <see cref="BodyLength"/> and <see cref="ChunkedBody"/> frame a body the head itself does not
/// (an HTTP/2 request without content-length): a known length, or chunked when it is still streaming.
/// <see cref="ExpectedTimeoutMs"/> (0: none) replaces x-envoy-expected-rq-timeout-ms, and with
/// <see cref="RewriteGrpcTimeout"/> grpc-timeout too.
/// </remarks>
internal readonly record struct UpstreamRequestExtras(
    int AttemptCount,
    bool GenerateRequestId,
    bool ShadowHost = false,
    long BodyLength = -1,
    bool ChunkedBody = false,
    long ExpectedTimeoutMs = 0,
    bool RewriteGrpcTimeout = false,
    bool Upgrade = false);
