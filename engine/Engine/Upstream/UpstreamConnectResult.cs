using Microsoft.AspNetCore.Connections;

namespace Engine.Upstream;

/// <summary>
/// An upstream connect's outcome, the connection when there is one, and for a TLS failure Envoy's
/// transport failure reason (<c>TLS_error:…</c>, shown in the 503 body and the access log) and our
/// own account of it for the log (<paramref name="FailureDetail"/>: which check rejected the certificate).
/// </summary>
internal readonly record struct UpstreamConnectResult(ConnectOutcome Outcome, ConnectionContext? Context, string? TransportFailure = null, string? FailureDetail = null);
