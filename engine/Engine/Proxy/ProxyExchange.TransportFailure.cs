using Engine.Upstream;

namespace Engine.Proxy;

/// <summary>
/// A TLS handshake or certificate check that failed is a connect failure (503 UF, retried under
/// connect-failure, counted by outlier detection) whose reply and access log also carry Envoy's
/// transport failure reason: "… reset reason: connection failure, transport failure reason:
/// TLS_error:…". Nothing here runs unless a connect failed.
/// </summary>
internal abstract partial class ProxyExchange
{
    /// <summary>The last attempt's TLS failure reason (Envoy's %UPSTREAM_TRANSPORT_FAILURE_REASON%); null when it was not one.</summary>
    private protected string? _transportFailure;

    /// <summary>Notes why a connect failed: a TLS failure's reason, logged with our detail.</summary>
    private protected void NoteConnectFailure(Endpoint endpoint, ConnectOutcome outcome, string? reason, string? detail)
    {
        _transportFailure = reason;
        if (outcome == ConnectOutcome.TransportFailed)
        {
            ProxyLog.UpstreamTlsFailed(_logger, endpoint.Address.ToString(), _cluster?.Name ?? "-", detail ?? "-", reason ?? "-");
        }
    }

    /// <summary>The local reply for <paramref name="error"/>, with the transport failure reason of a failed TLS connect.</summary>
    private protected LocalReply Reply(ForwardError error)
        => error == ForwardError.ConnectFailed && _transportFailure is { } reason
            ? LocalReplies.TransportFailure(reason)
            : LocalReplies.For(error);
}
