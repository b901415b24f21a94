namespace Engine.LoadGen;

/// <summary>Why a request did not get a usable response; reported by cause in the results.</summary>
internal enum ErrorCause
{
    /// <summary>The TCP connect failed (refused, unreachable).</summary>
    Connect,

    /// <summary>Writing the request failed.</summary>
    Send,

    /// <summary>The connection was reset while a request was outstanding.</summary>
    Reset,

    /// <summary>The server closed the connection before the response ended.</summary>
    Closed,

    /// <summary>The response could not be framed (not HTTP/1.1, bad length or chunk line).</summary>
    Protocol,

    /// <summary>Bytes arrived that no request asked for.</summary>
    Unsolicited,

    /// <summary>No response by the end of the drain period.</summary>
    Timeout,

    /// <summary>A 4xx response.</summary>
    Status4xx,

    /// <summary>A 5xx response.</summary>
    Status5xx,
}
