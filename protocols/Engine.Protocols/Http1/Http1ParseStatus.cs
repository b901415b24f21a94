namespace Engine.Protocols.Http1;

/// <summary>Outcome of one attempt to parse an HTTP/1.x head from what has arrived so far.</summary>
public enum Http1ParseStatus : byte
{
    /// <summary>The head is not all there yet; nothing was consumed. Read more and try again.</summary>
    Incomplete = 0,

    /// <summary>The head was parsed; <c>consumed</c> is just past its empty line.</summary>
    Complete,

    /// <summary>The bytes can never become a valid head; <c>error</c> says why. Close after replying.</summary>
    Error,
}
