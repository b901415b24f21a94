namespace Engine.Protocols.Http;

/// <summary>
/// Headers the proxy itself acts on, identified once when parsed (by length, then a
/// case-insensitive compare) so that later code tests an enum instead of comparing bytes.
/// Everything else is <see cref="None"/> and is forwarded untouched.
/// </summary>
public enum KnownHeader : byte
{
    None = 0,

    // Framing and hop-by-hop (RFC 9110 §7.6.1, RFC 9112 §6).
    Host,
    ContentLength,
    TransferEncoding,
    Connection,
    KeepAlive,
    ProxyConnection,
    Te,
    Trailer,
    Upgrade,
    Expect,

    // Headers the Envoy sidecar reads or writes.
    XForwardedProto,
    XForwardedFor,
    XRequestId,
    XEnvoyAttemptCount,
    XEnvoyOriginalPath,
    XEnvoyUpstreamServiceTime,
    XEnvoyOverloaded,
    ContentType,
    Server,
    Date,

    // Request headers Envoy's router consumes (timeouts, retries) or sets upstream; numbered after
    // Date so the HPACK dynamic table's per-known-name slots (up to Date) stay as they are.
    GrpcTimeout,
    XEnvoyUpstreamRqTimeoutMs,
    XEnvoyUpstreamRqPerTryTimeoutMs,
    XEnvoyExpectedRqTimeoutMs,
    XEnvoyMaxRetries,
    XEnvoyRetryOn,
    XEnvoyRetryGrpcOn,
    XEnvoyRetriableStatusCodes,
}
