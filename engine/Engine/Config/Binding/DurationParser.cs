using System.Globalization;

namespace Engine.Config.Binding;

/// <summary>
/// Parses durations the way Go's <c>time.ParseDuration</c> does (<c>7s</c>, <c>0.5s</c>, <c>1h30m</c>,
/// <c>100ms</c>, <c>1us</c>, <c>10ns</c>, <c>0</c>), which also covers protobuf JSON's canonical
/// form (<c>180.000s</c>). Istio docs and kubectl output use both.
/// </summary>
internal static class DurationParser
{
    // Go caps durations at int64 nanoseconds (~292 years); so do we.
    private const decimal MaxNanoseconds = long.MaxValue;

    public static bool TryParse(string text, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        error = "";
        var s = text.AsSpan();
        var negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s.SequenceEqual("0"))
        {
            return true;
        }

        if (s.IsEmpty)
        {
            error = $"invalid duration \"{text}\"";
            return false;
        }

        decimal totalNs = 0;
        while (!s.IsEmpty)
        {
            var numberLength = 0;
            while (numberLength < s.Length && (char.IsAsciiDigit(s[numberLength]) || s[numberLength] == '.'))
            {
                numberLength++;
            }

            var number = s[..numberLength];
            if (number.IsEmpty || number.SequenceEqual(".") || number.Count('.') > 1)
            {
                error = $"invalid duration \"{text}\" (expected a number followed by a unit such as 7s, 0.5s, 100ms or 1h30m)";
                return false;
            }

            s = s[numberLength..];
            var unitLength = 0;
            while (unitLength < s.Length && !(char.IsAsciiDigit(s[unitLength]) || s[unitLength] == '.'))
            {
                unitLength++;
            }

            var unitNs = UnitNanoseconds(s[..unitLength]);
            if (unitNs == 0)
            {
                error = unitLength == 0
                    ? $"invalid duration \"{text}\": missing unit (use ns, us, ms, s, m or h)"
                    : $"invalid duration \"{text}\": unknown unit \"{s[..unitLength]}\" (use ns, us, ms, s, m or h)";
                return false;
            }

            s = s[unitLength..];
            if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                error = $"invalid duration \"{text}\"";
                return false;
            }

            totalNs += amount * unitNs;
            if (totalNs > MaxNanoseconds)
            {
                error = $"invalid duration \"{text}\": too large";
                return false;
            }
        }

        // TimeSpan has 100 ns ticks. Round a sub-tick remainder up, so "10ns" stays non-zero and
        // "1000001ns" stays not-a-whole-millisecond for validation.
        var ticks = (long)decimal.Ceiling(totalNs / 100m);
        value = TimeSpan.FromTicks(negative ? -ticks : ticks);
        return true;
    }

    private static decimal UnitNanoseconds(ReadOnlySpan<char> unit) => unit switch
    {
        "ns" => 1m,
        "us" or "µs" or "μs" => 1_000m,
        "ms" => 1_000_000m,
        "s" => 1_000_000_000m,
        "m" => 60_000_000_000m,
        "h" => 3_600_000_000_000m,
        _ => 0m,
    };

    /// <summary>Formats like Go's <c>Duration.String</c> for messages: <c>1h30m0s</c> style is noisy, so use the shortest exact unit.</summary>
    public static string Format(TimeSpan value)
    {
        var ticks = value.Ticks;
        if (ticks % TimeSpan.TicksPerHour == 0 && ticks != 0)
        {
            return (ticks / TimeSpan.TicksPerHour).ToString(CultureInfo.InvariantCulture) + "h";
        }

        if (ticks % TimeSpan.TicksPerMinute == 0 && ticks != 0)
        {
            return (ticks / TimeSpan.TicksPerMinute).ToString(CultureInfo.InvariantCulture) + "m";
        }

        if (ticks % TimeSpan.TicksPerSecond == 0)
        {
            return (ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture) + "s";
        }

        if (ticks % TimeSpan.TicksPerMillisecond == 0)
        {
            return (ticks / TimeSpan.TicksPerMillisecond).ToString(CultureInfo.InvariantCulture) + "ms";
        }

        return (ticks / 10m).ToString(CultureInfo.InvariantCulture) + "us";
    }
}
