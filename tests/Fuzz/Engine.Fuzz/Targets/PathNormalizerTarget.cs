using System.Text;
using Engine.Protocols.Http1;

namespace Engine.Fuzz.Targets;

/// <summary>
/// <see cref="PathNormalizer.Normalize"/> on arbitrary path-and-query bytes (HTTP/2 :path is not
/// limited by the HTTP/1.1 target grammar, so every byte matters). Oracles: no exception; -1 only
/// for an escaped NUL; the result never grows; no "." or ".." segment (also as %2e) and no
/// backslash remains in the path; the query is kept byte for byte; normalising twice = once.
/// </summary>
internal sealed class PathNormalizerTarget : IFuzzTarget
{
    public string Name => "path";

    public string Description => "path normaliser (Istio BASE): no dot segments remain, query kept, idempotent";

    public void Run(ReadOnlySpan<byte> input)
    {
        var buffer = input.ToArray();
        var queryOffset = input.IndexOf((byte)'?');
        var originalQuery = queryOffset < 0 ? [] : input[queryOffset..].ToArray();
        var pathLength = queryOffset < 0 ? input.Length : queryOffset;
        var isPath = pathLength > 0 && (input[0] == '/' || input[0] == '\\');

        var length = PathNormalizer.Normalize(buffer, ref queryOffset);
        if (length < 0)
        {
            OracleViolation.Check(isPath && input[..pathLength].IndexOf("%00"u8) >= 0, "rejected a path without %00");
            return;
        }

        OracleViolation.Check(length <= input.Length, "the normalised path grew");
        var output = buffer.AsSpan(0, length);
        if (!isPath)
        {
            OracleViolation.Check(output.SequenceEqual(input), "changed something that is not a path");
            return;
        }

        var path = queryOffset < 0 ? output : output[..queryOffset];
        var query = queryOffset < 0 ? [] : output[queryOffset..];
        OracleViolation.Check(query.SequenceEqual(originalQuery), "the query changed");
        OracleViolation.Check(path.Length > 0 && path[0] == '/', "the path no longer starts with '/'");
        OracleViolation.Check(path.IndexOf((byte)'\\') < 0, "a backslash remains");
        foreach (var segment in Encoding.Latin1.GetString(path).Split('/'))
        {
            var dots = segment.Replace("%2e", ".", StringComparison.OrdinalIgnoreCase);
            OracleViolation.Check(dots is not "." and not "..", $"dot segment '{segment}' remains in '{Encoding.Latin1.GetString(path)}'");
        }

        var again = output.ToArray();
        var queryAgain = queryOffset;
        var lengthAgain = PathNormalizer.Normalize(again, ref queryAgain);
        OracleViolation.Check(lengthAgain == length && queryAgain == queryOffset && again.AsSpan(0, lengthAgain).SequenceEqual(output), "normalising twice changed the path");
    }
}
