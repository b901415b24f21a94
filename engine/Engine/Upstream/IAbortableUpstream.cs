namespace Engine.Upstream;

/// <summary>
/// An upstream exchange in flight that a deadline or a departed client can cut off at once: an
/// HTTP/1.1 connection (closed) or an HTTP/2 stream (reset); its pending read then completes.
/// </summary>
internal interface IAbortableUpstream
{
    void Abort();
}
