using Engine.Fuzz.Targets;

namespace Engine.Fuzz;

/// <summary>
/// Every fuzz target by name (the name is also the corpus folder under tests/Fuzz/corpus/).
/// HTTP/2 frame reader and HPACK decoder targets are added here when those codecs land: one
/// <see cref="IFuzzTarget"/> class each, a corpus folder, and a line below.
/// </summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<string> Names { get; } = ["request", "response", "chunked", "path", "config"];

    public static IFuzzTarget Create(string name) => name switch
    {
        "request" => new RequestParserTarget(),
        "response" => new ResponseParserTarget(),
        "chunked" => new ChunkedDecoderTarget(),
        "path" => new PathNormalizerTarget(),
        "config" => new ConfigLoaderTarget(),
        _ => throw new ArgumentException($"unknown target '{name}' (known: {string.Join(", ", Names)})"),
    };
}
