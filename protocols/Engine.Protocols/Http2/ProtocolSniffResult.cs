namespace Engine.Protocols.Http2;

/// <summary>What the first bytes of a downstream connection are (<see cref="Http2Preface.Sniff"/>).</summary>
public enum ProtocolSniffResult : byte
{
    /// <summary>Too few bytes to tell; read more (a timeout is the listener's to apply).</summary>
    Incomplete = 0,

    /// <summary>The HTTP/2 connection preface (prior knowledge, h2c).</summary>
    Http2,

    /// <summary>An HTTP/1.x request line begins (method token, SP).</summary>
    Http1,

    /// <summary>Neither: on a transparent listener, pass the TCP stream through; elsewhere close.</summary>
    Unknown,
}
