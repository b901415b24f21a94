namespace Engine.IntegrationTests.Infrastructure;

/// <summary>
/// A request body written in two parts with a pause between them, so the proxy sees the head (and
/// the first part) before the rest: of declared length, or without one (chunked over HTTP/1.1,
/// DATA frames and no content-length over HTTP/2).
/// </summary>
internal sealed class TwoPartContent(byte[] body, TimeSpan pause, bool sized = true) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
    {
        var half = body.Length / 2;
        await stream.WriteAsync(body.AsMemory(0, half));
        await stream.FlushAsync();
        await Task.Delay(pause);
        await stream.WriteAsync(body.AsMemory(half));
    }

    protected override bool TryComputeLength(out long length)
    {
        length = body.Length;
        return sized;
    }
}
