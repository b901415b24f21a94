namespace Engine.Http2;

/// <summary>
/// The owner of a stream, told when it is aborted (reset by either side, or its connection lost),
/// right after <see cref="Http2Stream.Aborted"/> is cancelled: a field call, where watching the
/// token took a registration per stream.
/// </summary>
internal interface IStreamAbortWatch
{
    /// <summary>On the connection's thread, outside its lock; <paramref name="stream"/> is the incarnation that was aborted.</summary>
    void OnStreamAborted(Http2Stream stream);
}
