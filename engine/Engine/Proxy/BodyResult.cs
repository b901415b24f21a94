namespace Engine.Proxy;

/// <summary>How streaming one message body from a pipe to another ended.</summary>
internal enum BodyResult
{
    Complete,

    /// <summary>The source closed or reset before the body's end (a truncated message).</summary>
    SourceEnded,

    /// <summary>The source's framing was invalid (a bad chunk).</summary>
    SourceInvalid,

    /// <summary>The destination closed; the rest cannot be delivered.</summary>
    DestinationGone,

    /// <summary>Stopped on purpose (the other direction finished first).</summary>
    Canceled,
}
