namespace Engine.Proxy;

/// <summary>What the session does after one exchange with an upstream connection.</summary>
internal enum Settlement
{
    /// <summary>The response went to the client; carry on with the next request if keep-alive.</summary>
    Done,

    /// <summary>A reused connection died before answering and nothing of the request body was sent: replay on a new one.</summary>
    RetryOnFreshConnection,

    /// <summary>Nothing went to the client yet: answer with a local reply for the error.</summary>
    Reply,

    /// <summary>The client is gone: close without answering.</summary>
    Close,

    /// <summary>Part of the response went out and the rest cannot come: abort the client connection.</summary>
    Abort,
}
