namespace Engine.Http2;

/// <summary>What the field block being assembled will be decoded into (RFC 9113 §4.3: every block is decoded).</summary>
internal enum Http2BlockTarget : byte
{
    None = 0,

    /// <summary>Decoded only to keep the HPACK table in step (ignored, refused or reset stream).</summary>
    Skip,

    /// <summary>The head of a new peer stream (server: a request).</summary>
    NewStream,

    /// <summary>A head or trailers of a stream in the table.</summary>
    Stream,
}
