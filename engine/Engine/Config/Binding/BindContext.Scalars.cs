using System.Collections.Immutable;
using System.Globalization;
using Engine.Config.Yaml;

namespace Engine.Config.Binding;

/// <summary>
/// Typed scalar readers. Each returns null for an absent/null value and reports an error (returning
/// null) for a wrong node type or an unparsable scalar. Quoted and plain scalars are both accepted,
/// as protobuf JSON accepts "80" for an integer field.
/// </summary>
internal sealed partial class BindContext
{
    public string? String(YamlNode node, string path)
        => Scalar(node, path, "a string") is { } s ? s.Value : null;

    public bool? Bool(YamlNode node, string path)
    {
        if (Scalar(node, path, "a boolean") is not { } s)
        {
            return null;
        }

        // true/false in any case, plus the YAML 1.1 words kubectl's YAML library also accepts.
        switch (s.Value.ToLowerInvariant())
        {
            case "true" or "yes" or "on":
                return true;
            case "false" or "no" or "off":
                return false;
            default:
                Error(node, path, $"expected a boolean (true or false), got \"{s.Value}\"");
                return null;
        }
    }

    public int? Int32(YamlNode node, string path) => (int?)Integer(node, path, int.MinValue, int.MaxValue, "int32");

    public uint? UInt32(YamlNode node, string path) => (uint?)Integer(node, path, 0, uint.MaxValue, "uint32");

    public ulong? UInt64(YamlNode node, string path)
    {
        if (Scalar(node, path, "an integer") is not { } s)
        {
            return null;
        }

        if (ulong.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        Error(node, path, IsInteger(s.Value) ? $"value {s.Value} is out of range for uint64" : $"expected an integer, got \"{s.Value}\"");
        return null;
    }

    public double? Double(YamlNode node, string path)
    {
        if (Scalar(node, path, "a number") is not { } s)
        {
            return null;
        }

        if (double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        Error(node, path, $"expected a number, got \"{s.Value}\"");
        return null;
    }

    public TimeSpan? Duration(YamlNode node, string path)
    {
        if (Scalar(node, path, "a duration") is not { } s)
        {
            return null;
        }

        if (DurationParser.TryParse(s.Value, out var value, out var error))
        {
            return value;
        }

        Error(node, path, error);
        return null;
    }

    public T? Enum<T>(YamlNode node, string path, EnumTable<T> table)
        where T : struct, Enum
    {
        if (Scalar(node, path, "an enum name") is not { } s)
        {
            return null;
        }

        if (table.TryParse(s.Value, out var value, out var error))
        {
            return value;
        }

        Error(node, path, error);
        return null;
    }

    /// <summary>protobuf <c>bytes</c>: base64, standard or URL-safe alphabet, padding optional.</summary>
    public ImmutableArray<byte>? Bytes(YamlNode node, string path)
    {
        if (Scalar(node, path, "base64 bytes") is not { } s)
        {
            return null;
        }

        var text = s.Value.Replace('-', '+').Replace('_', '/');
        text = string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
        text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        var buffer = new byte[text.Length];
        if (Convert.TryFromBase64String(text, buffer, out var written))
        {
            return ImmutableArray.Create(buffer, 0, written);
        }

        Error(node, path, "expected base64-encoded bytes");
        return null;
    }

    private long? Integer(YamlNode node, string path, long min, long max, string type)
    {
        if (Scalar(node, path, "an integer") is not { } s)
        {
            return null;
        }

        if (long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            if (value >= min && value <= max)
            {
                return value;
            }

            Error(node, path, $"value {s.Value} is out of range for {type}");
            return null;
        }

        Error(node, path, IsInteger(s.Value) ? $"value {s.Value} is out of range for {type}" : $"expected an integer, got \"{s.Value}\"");
        return null;
    }

    /// <summary>The scalar, or null when absent/null or (after an error) not a scalar.</summary>
    private YamlScalar? Scalar(YamlNode node, string path, string expected)
    {
        switch (node)
        {
            case YamlScalar { IsNull: true }:
                return null;
            case YamlScalar scalar:
                return scalar;
            default:
                Error(node, path, $"expected {expected}, got {node.Description}");
                return null;
        }
    }

    private static bool IsInteger(string text)
        => text.Length > 0 && text.TrimStart('-', '+').Length > 0 && text.TrimStart('-', '+').All(char.IsAsciiDigit);
}
