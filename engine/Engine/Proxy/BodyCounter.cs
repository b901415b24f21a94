namespace Engine.Proxy;

/// <summary>Bytes of body moved in one direction of the current request (for the access log and metrics).</summary>
internal sealed class BodyCounter
{
    public long Bytes;

    public void Reset() => Bytes = 0;

    public void Add(long bytes) => Bytes += bytes;
}
