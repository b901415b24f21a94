namespace Engine.Transport;

/// <summary>How an outgoing connect ended.</summary>
internal enum ClientConnectStatus
{
    Connected,
    Refused,
    TimedOut,

    /// <summary>The caller's token fired first.</summary>
    Canceled,
    Failed,
}
