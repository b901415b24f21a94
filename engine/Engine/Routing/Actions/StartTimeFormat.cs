using System.Globalization;
using System.Text;

namespace Engine.Routing.Actions;

/// <summary>
/// <c>%START_TIME%</c> and <c>%START_TIME(format)%</c> in a header value: Envoy's strftime-like
/// format, in UTC. The default is Envoy's <c>%Y-%m-%dT%H:%M:%E3SZ</c>. Supported: <c>%Y %m %d %H
/// %M %S %s %z %Z %j %a %b %e %y %%</c>, <c>%E<i>n</i>S</c> (seconds with <i>n</i> decimals) and
/// <c>%<i>n</i>f</c> (the first <i>n</i> fractional digits); anything else is kept as written.
/// </summary>
internal static class StartTimeFormat
{
    public const string Default = "%Y-%m-%dT%H:%M:%E3SZ";

    public static string Format(DateTimeOffset time, string? format)
    {
        var utc = time.UtcDateTime;
        format = string.IsNullOrEmpty(format) ? Default : format;
        var text = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 == format.Length)
            {
                text.Append(format[i]);
                continue;
            }

            var c = format[++i];
            if (c == 'E' && i + 2 < format.Length && char.IsAsciiDigit(format[i + 1]) && format[i + 2] == 'S')
            {
                var digits = format[i + 1] - '0';
                text.Append(utc.Second.ToString("00", CultureInfo.InvariantCulture));
                if (digits > 0)
                {
                    text.Append('.').Append(Fraction(utc, digits));
                }

                i += 2;
                continue;
            }

            if (char.IsAsciiDigit(c) && i + 1 < format.Length && format[i + 1] == 'f')
            {
                text.Append(Fraction(utc, c - '0'));
                i++;
                continue;
            }

            text.Append(c switch
            {
                'Y' => utc.Year.ToString("0000", CultureInfo.InvariantCulture),
                'y' => (utc.Year % 100).ToString("00", CultureInfo.InvariantCulture),
                'm' => utc.Month.ToString("00", CultureInfo.InvariantCulture),
                'd' => utc.Day.ToString("00", CultureInfo.InvariantCulture),
                'e' => utc.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2),
                'j' => utc.DayOfYear.ToString("000", CultureInfo.InvariantCulture),
                'H' => utc.Hour.ToString("00", CultureInfo.InvariantCulture),
                'M' => utc.Minute.ToString("00", CultureInfo.InvariantCulture),
                'S' => utc.Second.ToString("00", CultureInfo.InvariantCulture),
                's' => time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                'z' => "+0000",
                'Z' => "UTC",
                'a' => utc.ToString("ddd", CultureInfo.InvariantCulture),
                'b' => utc.ToString("MMM", CultureInfo.InvariantCulture),
                '%' => "%",
                _ => "%" + c,
            });
        }

        return text.ToString();
    }

    /// <summary>The first <paramref name="digits"/> (1–9) digits of the second's fraction.</summary>
    private static string Fraction(DateTime utc, int digits)
    {
        var nanoseconds = (utc.Ticks % TimeSpan.TicksPerSecond) * 100;
        return nanoseconds.ToString("000000000", CultureInfo.InvariantCulture)[..Math.Clamp(digits, 1, 9)];
    }
}
