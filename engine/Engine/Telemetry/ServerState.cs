using Engine.Proxy;

namespace Engine.Telemetry;

/// <summary>Envoy's server states (<c>envoy_server_state</c> values, <c>/ready</c> bodies).</summary>
internal enum ServerState
{
    /// <summary>Configuration loaded and listeners accepting: <c>/ready</c> answers 200.</summary>
    Live = 0,

    /// <summary>Shutting down: listeners closed, in-flight requests finishing.</summary>
    Draining = 1,

    /// <summary>Before the first configuration is published or before the listeners are up.</summary>
    PreInitializing = 2,
}

/// <summary>Reads the state off a running proxy.</summary>
internal static class ServerStates
{
    public static ServerState Of(ProxyServer server)
        => server.Draining ? ServerState.Draining
            : server.Config.Version > 0 && server.Endpoints.Count > 0 ? ServerState.Live
            : ServerState.PreInitializing;

    /// <summary>What Envoy's <c>/ready</c> says: LIVE, DRAINING, PRE_INITIALIZING.</summary>
    public static string Name(ServerState state) => state switch
    {
        ServerState.Live => "LIVE",
        ServerState.Draining => "DRAINING",
        _ => "PRE_INITIALIZING",
    };
}
