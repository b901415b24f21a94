using System.Collections.Frozen;

namespace Engine.Config;

/// <summary>
/// Where a model element came from: file, 1-based line/column and the YAML path
/// (<c>spec.http[2].route[0]</c>). Every model record carries one so that any later stage (the
/// routing compiler included) can report <c>FILE:LINE: Kind/name spec.path: message</c>.
/// <see cref="Field"/> narrows it to a scalar field or list item of the record (its own line when
/// it was written, the record's line when it was absent).
/// </summary>
internal sealed record SourceLocation(string File, int Line, int Column, string Path)
{
    public static SourceLocation None { get; } = new("", 0, 0, "");

    /// <summary>Positions of the fields and list items of this record, keyed by relative path (<c>weight</c>, <c>hosts[1]</c>).</summary>
    internal FrozenDictionary<string, (int Line, int Column)>? Marks { get; init; }

    /// <summary>The location of a field (or <c>field[i]</c>, <c>map.key</c>) of the record this location belongs to.</summary>
    public SourceLocation Field(string relativePath)
    {
        var path = Join(Path, relativePath);
        if (Marks is not null)
        {
            // Exact position if it was written; else the closest written ancestor (the list or map key).
            for (var probe = relativePath; probe.Length > 0; probe = Parent(probe))
            {
                if (Marks.TryGetValue(probe, out var mark))
                {
                    return new SourceLocation(File, mark.Line, mark.Column, path);
                }
            }
        }

        return new SourceLocation(File, Line, Column, path);
    }

    /// <summary>Appends a relative path: <c>a</c> + <c>b</c> = <c>a.b</c>, <c>a</c> + <c>[1]</c> = <c>a[1]</c>.</summary>
    public static string Join(string basePath, string relative)
    {
        if (relative.Length == 0)
        {
            return basePath;
        }

        if (basePath.Length == 0 || relative[0] == '[')
        {
            return basePath + relative;
        }

        return basePath + "." + relative;
    }

    /// <summary>A path segment for a map key: bare when it is a simple token, else <c>["key"]</c>.</summary>
    public static string KeySegment(string key)
    {
        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or ':' or '@'))
            {
                return "[\"" + key.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"]";
            }
        }

        return key.Length == 0 ? "[\"\"]" : key;
    }

    public override string ToString() => $"{File}:{Line} {Path}";

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? "" : path[..cut];
    }
}
