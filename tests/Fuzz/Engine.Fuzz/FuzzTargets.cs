using Engine.Fuzz.Targets;

namespace Engine.Fuzz;

/// <summary>
/// Every fuzz target by name (the name is also the corpus folder under tests/Fuzz/corpus/).
/// A new target: one <see cref="IFuzzTarget"/> class, a corpus folder, a line below (and its
/// dictionary in scripts/fuzz.sh).
/// </summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<string> Names { get; } = ["request", "response", "chunked", "path", "config", "h2frames", "hpack", "clienthello"];

    public static IFuzzTarget Create(string name) => name switch
    {
        "request" => new RequestParserTarget(),
        "response" => new ResponseParserTarget(),
        "chunked" => new ChunkedDecoderTarget(),
        "path" => new PathNormalizerTarget(),
        "config" => new ConfigLoaderTarget(),
        "h2frames" => new Http2FramesTarget(),
        "hpack" => new HpackTarget(),
        "clienthello" => new ClientHelloTarget(),
        _ => throw new ArgumentException($"unknown target '{name}' (known: {string.Join(", ", Names)})"),
    };
}
