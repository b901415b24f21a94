namespace Engine.Upstream;

/// <summary>How an attempt to open an upstream connection ended (a value, not an exception).</summary>
internal enum ConnectOutcome
{
    Connected,
    Refused,
    TimedOut,
    Failed,

    /// <summary>The cluster is at tcp.maxConnections: wait for a connection to free up.</summary>
    AtLimit,
}
