using System.Text;
using CsCheck;
using Engine.Protocols.Http1;

namespace Engine.Protocols.Tests.Properties;

/// <summary>
/// The path normaliser (Istio BASE, RFC 3986 §5.2.4) on generated paths full of dot segments,
/// escaped dots, backslashes and empty segments: idempotent, leaves no dot segment, keeps the query,
/// and agrees with a naive stack-based model of remove_dot_segments.
/// </summary>
public sealed class PathNormalizerProperties
{
    private const int Iterations = 5000;

    private static readonly Gen<string> Segment = Gen.Frequency(
        (3, Gen.OneOf(".", "..", "%2e", "%2E", "%2e%2E", ".%2e", "%2e.")),
        (2, Gen.OneOf("", "a", "b", "x.y", "...", ".a", "a.", "%2F", "%2f..", "%25", "%")),
        (2, HttpGen.StringOf(HttpGen.PathChars, 1, 6)));

    private static readonly Gen<(string Path, string? Query)> PathAndQuery = Gen.Select(
        Gen.Select(Segment, Gen.Frequency((5, Gen.Const('/')), (1, Gen.Const('\\')))).Array[1, 10],
        Gen.Frequency((2, Gen.Const((string?)null)), (1, HttpGen.StringOf(HttpGen.PathChars + "/?.", 0, 16).Select(q => (string?)q))),
        (parts, query) => (string.Concat(parts.Select(p => p.Item2 + p.Item1)), (string?)query))
        // Random characters can spell "%00", which makes a path invalid by design (PathNormalizerTests
        // covers that); these properties are about paths the normalizer accepts.
        .Where(p => !p.Item1.Contains("%00", StringComparison.Ordinal));

    [Fact]
    public void Normalize_Twice_EqualsOnce()
        => PathAndQuery.Sample(p =>
        {
            var once = Normalize(p.Path, p.Query);
            Assert.Equal(once, Normalize(once.Path, once.Query));
        }, iter: Iterations);

    [Fact]
    public void Normalize_LeavesNoDotSegmentOrBackslash_AndKeepsTheQuery()
        => PathAndQuery.Sample(p =>
        {
            var (path, query) = Normalize(p.Path, p.Query);
            Assert.StartsWith("/", path, StringComparison.Ordinal);
            Assert.DoesNotContain('\\', path);
            Assert.All(path.Split('/'), s => Assert.True(DotCount(s) == 0, $"dot segment '{s}' in {path}"));
            Assert.Equal(p.Query, query);
        }, iter: Iterations);

    [Fact]
    public void Normalize_AgreesWithANaiveRemoveDotSegments()
        => PathAndQuery.Sample(p => Assert.Equal(Model(p.Path), Normalize(p.Path, p.Query).Path), iter: Iterations);

    /// <summary>RFC 3986 §5.2.4 with a stack of segments, '\' read as '/', "%2e" as '.'.</summary>
    private static string Model(string path)
    {
        var output = new List<string>();
        var segments = path.Replace('\\', '/')[1..].Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var last = i == segments.Length - 1;
            switch (DotCount(segments[i]))
            {
                case 0:
                    output.Add(segments[i]);
                    break;
                case 2 when output.Count > 0:
                    output.RemoveAt(output.Count - 1);
                    goto default;
                default:
                    if (last)
                    {
                        output.Add(string.Empty);
                    }

                    break;
            }
        }

        return "/" + string.Join('/', output);
    }

    private static int DotCount(string segment)
        => segment.Replace("%2e", ".", StringComparison.OrdinalIgnoreCase) switch { "." => 1, ".." => 2, _ => 0 };

    private static (string Path, string? Query) Normalize(string path, string? query)
    {
        var bytes = Encoding.Latin1.GetBytes(query is null ? path : path + "?" + query);
        var queryOffset = query is null ? -1 : path.Length;
        var length = PathNormalizer.Normalize(bytes, ref queryOffset);
        Assert.True(length >= 0, "rejected " + path);
        var text = Encoding.Latin1.GetString(bytes, 0, length);
        return queryOffset < 0 ? (text, null) : (text[..queryOffset], text[(queryOffset + 1)..]);
    }
}
