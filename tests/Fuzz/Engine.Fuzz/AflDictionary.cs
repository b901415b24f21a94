using System.Globalization;

namespace Engine.Fuzz;

/// <summary>Reads an AFL dictionary (lines <c>name="value"</c>, with <c>\xNN</c>, <c>\\</c> and <c>\"</c> escapes) for the fallback mutator.</summary>
internal static class AflDictionary
{
    public static List<byte[]> Load(string? path)
    {
        var tokens = new List<byte[]>();
        if (path is null)
        {
            return tokens;
        }

        foreach (var line in File.ReadLines(path))
        {
            var start = line.IndexOf('"');
            var end = line.LastIndexOf('"');
            if (line.TrimStart().StartsWith('#') || start < 0 || end <= start)
            {
                continue;
            }

            tokens.Add(Unescape(line.AsSpan(start + 1, end - start - 1)));
        }

        return tokens;
    }

    private static byte[] Unescape(ReadOnlySpan<char> text)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 3 < text.Length && text[i + 1] == 'x')
            {
                bytes.Add(byte.Parse(text.Slice(i + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 3;
            }
            else if (text[i] == '\\' && i + 1 < text.Length)
            {
                bytes.Add((byte)text[++i]);
            }
            else
            {
                bytes.Add((byte)text[i]);
            }
        }

        return [.. bytes];
    }
}
