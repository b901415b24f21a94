namespace Engine.Protocols.Http1;

/// <summary>What one <see cref="ChunkedDecoder.Decode"/> call produced.</summary>
public enum ChunkedDecodeStatus : byte
{
    /// <summary>All framing in the input was consumed and no data is available: read more, then call again with the unconsumed rest.</summary>
    NeedMoreData = 0,

    /// <summary><c>data</c> holds body bytes (a slice of the input); call again with the input after <c>consumed</c>.</summary>
    Data,

    /// <summary>The last chunk, trailers and final CRLF were consumed; the body is complete.</summary>
    Complete,

    /// <summary>The chunked framing is invalid; the message cannot be delimited, so close the connection.</summary>
    Error,
}
