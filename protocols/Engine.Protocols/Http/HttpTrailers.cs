namespace Engine.Protocols.Http;

/// <summary>
/// The trailer section of a message (RFC 9110 §6.5): fields only, in their own small arena so a
/// connection that never sees trailers pays little for having one.
/// </summary>
public sealed class HttpTrailers : HttpHead
{
    private const int InitialArenaSize = 256;
    private const int InitialHeaderCapacity = 4;

    public HttpTrailers()
        : base(InitialArenaSize, InitialHeaderCapacity)
    {
    }
}
