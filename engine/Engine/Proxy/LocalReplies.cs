namespace Engine.Proxy;

/// <summary>
/// The one table from a forwarding failure to what the client sees, with Envoy's status codes and
/// bodies (istio-semantics.md §6) so that clients and dashboards written for Istio keep working.
/// Bodies are encoded once here, not per reply.
/// </summary>
internal static class LocalReplies
{
    public const string ConnectFailureBody = "upstream connect error or disconnect/reset before headers. reset reason: connection failure";
    public const string ConnectionTerminationBody = "upstream connect error or disconnect/reset before headers. reset reason: connection termination";
    public const string ProtocolErrorBody = "upstream connect error or disconnect/reset before headers. reset reason: protocol error";
    public const string NoHealthyUpstreamBody = "no healthy upstream";

    public static readonly LocalReply NoRoute = new(404, string.Empty, ResponseFlags.NoRoute);

    private static readonly LocalReply ClusterNotFound = new(503, string.Empty, ResponseFlags.NoClusterFound);
    private static readonly LocalReply NoHealthyUpstream = new(503, NoHealthyUpstreamBody, ResponseFlags.NoHealthyUpstream);
    private static readonly LocalReply ConnectFailed = new(503, ConnectFailureBody, ResponseFlags.UpstreamConnectionFailure);
    private static readonly LocalReply ConnectionTermination = new(503, ConnectionTerminationBody, ResponseFlags.UpstreamConnectionTermination);
    private static readonly LocalReply ProtocolError = new(502, ProtocolErrorBody, ResponseFlags.UpstreamProtocolError);
    private static readonly LocalReply BadRequestBody = new(400, "bad request body", ResponseFlags.DownstreamProtocolError);

    public static LocalReply For(ForwardError error) => error switch
    {
        ForwardError.ClusterNotFound => ClusterNotFound,
        ForwardError.NoHealthyUpstream => NoHealthyUpstream,
        ForwardError.ConnectFailed => ConnectFailed,
        ForwardError.UpstreamResetBeforeResponse => ConnectionTermination,
        ForwardError.UpstreamProtocolError => ProtocolError,
        ForwardError.DownstreamBodyInvalid => BadRequestBody,
        _ => ConnectionTermination,
    };
}
