using Engine.Protocols.Http1;
using System.IO.Pipelines;
using Engine.Protocols.Http;

namespace Engine.Proxy;

/// <summary>
/// Writes a response head going downstream over HTTP/1.1: the upstream's fields minus
/// hop-by-hop ones, the framing this side uses, and what the Envoy router adds.
/// </summary>
internal static class ResponseHeadSerializer
{
    public static void Write(PipeWriter output, HttpResponseHead head, in DownstreamResponseExtras extras)
    {
        var w = new PipeHeadWriter(output);
        w.Write("HTTP/1.1 "u8);
        w.WriteDecimal(head.StatusCode);
        w.WriteByte((byte)' ');
        w.Write(head.Reason.IsEmpty ? ReasonPhrases.For(head.StatusCode) : head.Span(head.Reason));
        w.Write("\r\n"u8);

        var headers = head.Headers;
        for (var i = 0; i < headers.Length; i++)
        {
            ref readonly var field = ref headers[i];
            switch (field.Known)
            {
                case KnownHeader.Upgrade when extras.Upgrade:
                    break; // 101 Switching Protocols names the protocol the connection now speaks
                case KnownHeader.Connection:
                case KnownHeader.KeepAlive:
                case KnownHeader.ProxyConnection:
                case KnownHeader.TransferEncoding:
                case KnownHeader.Upgrade:
                case KnownHeader.Te:
                case KnownHeader.XEnvoyUpstreamServiceTime:
                    continue;
                case KnownHeader.ContentLength when extras.Chunked:
                    continue;
                case KnownHeader.None when (head.Connection & ConnectionOptions.OtherTokens) != 0
                                           && HopByHop.IsNominatedByConnection(head, head.Span(field.Name)):
                    continue;
            }

            w.WriteField(head, field);
        }

        w.EndFields(head);
        if (extras.ServiceTimeMs >= 0)
        {
            w.WriteHeader("x-envoy-upstream-service-time"u8, extras.ServiceTimeMs);
        }

        if (extras.Chunked)
        {
            w.Write("transfer-encoding: chunked\r\n"u8);
        }

        if (extras.Upgrade)
        {
            w.Write("connection: upgrade\r\n"u8);
        }
        else if (extras.Close)
        {
            w.Write("connection: close\r\n"u8);
        }
        else if (extras.KeepAliveHeader)
        {
            w.Write("connection: keep-alive\r\n"u8);
        }

        w.Write("\r\n"u8);
        w.Commit();
    }
}

/// <summary>What the downstream side adds to a forwarded response head.</summary>
internal readonly record struct DownstreamResponseExtras(bool Chunked, bool Close, bool KeepAliveHeader, long ServiceTimeMs, bool Upgrade = false);
