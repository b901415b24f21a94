namespace Engine.Proxy;

/// <summary>
/// The one table from a forwarding failure to what the client sees, with Envoy's status codes and
/// bodies (istio-semantics.md §6) so that clients and dashboards written for Istio keep working.
/// </summary>
internal static class LocalReplies
{
    public const string ConnectFailureBody = "upstream connect error or disconnect/reset before headers. reset reason: connection failure";
    public const string ConnectionTerminationBody = "upstream connect error or disconnect/reset before headers. reset reason: connection termination";
    public const string ProtocolErrorBody = "upstream connect error or disconnect/reset before headers. reset reason: protocol error";
    public const string NoHealthyUpstreamBody = "no healthy upstream";

    public static readonly LocalReply NoRoute = new(404, string.Empty, ResponseFlags.NoRoute);

    public static LocalReply For(ForwardError error) => error switch
    {
        ForwardError.ClusterNotFound => new(503, string.Empty, ResponseFlags.NoClusterFound),
        ForwardError.NoHealthyUpstream => new(503, NoHealthyUpstreamBody, ResponseFlags.NoHealthyUpstream),
        ForwardError.ConnectFailed => new(503, ConnectFailureBody, ResponseFlags.UpstreamConnectionFailure),
        ForwardError.UpstreamResetBeforeResponse => new(503, ConnectionTerminationBody, ResponseFlags.UpstreamConnectionTermination),
        ForwardError.UpstreamProtocolError => new(502, ProtocolErrorBody, ResponseFlags.UpstreamProtocolError),
        ForwardError.DownstreamBodyInvalid => new(400, "bad request body", ResponseFlags.DownstreamProtocolError),
        _ => new(503, ConnectionTerminationBody, ResponseFlags.UpstreamConnectionTermination),
    };
}
