using System.Buffers;
using System.Text.Json;
using Engine.Protocols.Http;

namespace Engine.Echo;

/// <summary>Per-request buffers of the h2 echo, pooled per connection (streams of one connection run concurrently).</summary>
internal sealed class Http2EchoScratch
{
    public Http2EchoScratch()
    {
        JsonWriter = new Utf8JsonWriter(Json);
    }

    public ArrayBufferWriter<byte> Json { get; } = new(2048);

    public Utf8JsonWriter JsonWriter { get; }

    public HttpTrailers Trailers { get; } = new();
}
