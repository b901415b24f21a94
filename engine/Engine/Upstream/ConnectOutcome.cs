namespace Engine.Upstream;

/// <summary>How an attempt to open an upstream connection ended (a value, not an exception).</summary>
internal enum ConnectOutcome
{
    Connected,
    Refused,
    TimedOut,
    Failed,
}
