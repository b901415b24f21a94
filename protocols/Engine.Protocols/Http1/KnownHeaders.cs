using System.Text;
using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>
/// Identifies the headers the proxy acts on: a switch on the name's length, then at most three
/// case-insensitive compares (RFC 9110 §5.1: field names are case-insensitive), so most names are
/// dismissed by their length alone.
/// </summary>
internal static class KnownHeaders
{
    public static KnownHeader Identify(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 => Match(name, "te"u8, KnownHeader.Te),
        4 => Match(name, "host"u8, KnownHeader.Host, "date"u8, KnownHeader.Date),
        6 => Match(name, "expect"u8, KnownHeader.Expect, "server"u8, KnownHeader.Server),
        7 => Match(name, "upgrade"u8, KnownHeader.Upgrade, "trailer"u8, KnownHeader.Trailer),
        10 => Match(name, "connection"u8, KnownHeader.Connection, "keep-alive"u8, KnownHeader.KeepAlive),
        12 => Match(name, "content-type"u8, KnownHeader.ContentType, "x-request-id"u8, KnownHeader.XRequestId, "grpc-timeout"u8, KnownHeader.GrpcTimeout),
        14 => Match(name, "content-length"u8, KnownHeader.ContentLength),
        15 => Match(name, "x-forwarded-for"u8, KnownHeader.XForwardedFor),
        16 => Match(name, "proxy-connection"u8, KnownHeader.ProxyConnection, "x-envoy-retry-on"u8, KnownHeader.XEnvoyRetryOn),
        17 => Match(name, "transfer-encoding"u8, KnownHeader.TransferEncoding, "x-forwarded-proto"u8, KnownHeader.XForwardedProto),
        18 => Match(name, "x-envoy-overloaded"u8, KnownHeader.XEnvoyOverloaded),
        19 => Match(name, "x-envoy-max-retries"u8, KnownHeader.XEnvoyMaxRetries),
        21 => Match(name, "x-envoy-attempt-count"u8, KnownHeader.XEnvoyAttemptCount, "x-envoy-original-path"u8, KnownHeader.XEnvoyOriginalPath, "x-envoy-retry-grpc-on"u8, KnownHeader.XEnvoyRetryGrpcOn),
        29 => Match(name, "x-envoy-upstream-service-time"u8, KnownHeader.XEnvoyUpstreamServiceTime),
        30 => Match(name, "x-envoy-upstream-rq-timeout-ms"u8, KnownHeader.XEnvoyUpstreamRqTimeoutMs, "x-envoy-expected-rq-timeout-ms"u8, KnownHeader.XEnvoyExpectedRqTimeoutMs, "x-envoy-retriable-status-codes"u8, KnownHeader.XEnvoyRetriableStatusCodes),
        38 => Match(name, "x-envoy-upstream-rq-per-try-timeout-ms"u8, KnownHeader.XEnvoyUpstreamRqPerTryTimeoutMs),
        _ => KnownHeader.None,
    };

    private static KnownHeader Match(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lowerCase, KnownHeader known)
        => AsciiCase.EqualsLower(name, lowerCase) ? known : KnownHeader.None;

    private static KnownHeader Match(
        ReadOnlySpan<byte> name,
        ReadOnlySpan<byte> first,
        KnownHeader firstKnown,
        ReadOnlySpan<byte> second,
        KnownHeader secondKnown)
        => AsciiCase.EqualsLower(name, first) ? firstKnown : Match(name, second, secondKnown);

    private static KnownHeader Match(
        ReadOnlySpan<byte> name,
        ReadOnlySpan<byte> first,
        KnownHeader firstKnown,
        ReadOnlySpan<byte> second,
        KnownHeader secondKnown,
        ReadOnlySpan<byte> third,
        KnownHeader thirdKnown)
        => AsciiCase.EqualsLower(name, first) ? firstKnown : Match(name, second, secondKnown, third, thirdKnown);
}
