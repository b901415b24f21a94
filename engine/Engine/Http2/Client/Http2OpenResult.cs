using Engine.Upstream;

namespace Engine.Http2.Client;

/// <summary>
/// What <see cref="Http2ClientPool.OpenStreamAsync"/> gave: a stream, or why there is none (connect
/// refused, timed out, TLS handshake failed: then Envoy's transport failure reason and our detail).
/// </summary>
internal readonly record struct Http2OpenResult(Http2ClientStream? Stream, ConnectOutcome Outcome, string? TransportFailure = null, string? FailureDetail = null)
{
    public bool Opened => Stream is not null;
}
