using System.Globalization;

namespace Engine.Config.Binding;

/// <summary>
/// Proto enum names and numbers for one C# enum. Explicit tables instead of Enum.Parse: proto
/// names (<c>ROUND_ROBIN</c>) differ from C# names, and tables need no reflection under AOT.
/// </summary>
internal sealed class EnumTable<T>
    where T : struct, Enum
{
    private readonly (string Name, int Number, T Value)[] _entries;

    public EnumTable(params (string Name, int Number, T Value)[] entries) => _entries = entries;

    public string Names => string.Join(", ", _entries.Select(e => e.Name));

    public bool TryParse(string text, out T value, out string error)
    {
        foreach (var e in _entries)
        {
            if (e.Name == text)
            {
                value = e.Value;
                error = "";
                return true;
            }
        }

        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            foreach (var e in _entries)
            {
                if (e.Number == number)
                {
                    value = e.Value;
                    error = "";
                    return true;
                }
            }
        }

        value = default;
        var hint = _entries.FirstOrDefault(e => string.Equals(e.Name, text, StringComparison.OrdinalIgnoreCase)).Name;
        error = hint is null
            ? $"unknown value \"{text}\" (expected one of {Names})"
            : $"unknown value \"{text}\" (enum names are case-sensitive: did you mean {hint}?)";
        return false;
    }
}
