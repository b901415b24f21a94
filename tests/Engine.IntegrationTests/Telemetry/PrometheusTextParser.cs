using System.Globalization;
using System.Text;

namespace Engine.IntegrationTests.Telemetry;

/// <summary>
/// A strict parser of the Prometheus text exposition format (version 0.0.4), written from the
/// format's description so that the scrape test does not trust our own writer: it rejects what
/// a Prometheus server would reject or misread.
/// </summary>
/// <remarks>
/// Checked: every line ends with LF (no CR); <c># HELP</c> / <c># TYPE</c> at most once per
/// family, TYPE before the family's first sample, known types; metric and label names by the
/// grammar, no reserved <c>__</c> labels, no duplicate label names; label values with only the
/// three escapes; values as Go floats (<c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>); optional integer
/// timestamp; all lines of a family contiguous; no duplicate series; counters non-negative;
/// histograms with an <c>le</c> on every bucket, a <c>+Inf</c> bucket, cumulative counts that
/// never decrease, and <c>_sum</c> and <c>_count</c> with <c>_count</c> equal to the +Inf bucket.
/// </remarks>
internal static class PrometheusTextParser
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public static PrometheusScrape Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("the exposition must end with a line feed");
        }

        if (text.Contains('\r', StringComparison.Ordinal))
        {
            throw new FormatException("carriage return in the exposition (lines end with LF only)");
        }

        var families = new Dictionary<string, PrometheusFamily>(StringComparer.Ordinal);
        var finished = new HashSet<string>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var lineNumber = 0;
        foreach (var line in text[..^(text.Length > 0 ? 1 : 0)].Split('\n'))
        {
            lineNumber++;
            try
            {
                if (line.Length == 0)
                {
                    continue;
                }

                if (line[0] == '#')
                {
                    ParseComment(line, families, finished, ref current);
                    continue;
                }

                var sample = ParseSample(line);
                var familyName = FamilyOf(sample.Name, families);
                Enter(familyName, finished, ref current);
                if (!families.TryGetValue(familyName, out var family))
                {
                    family = new PrometheusFamily(familyName, "untyped");
                    families[familyName] = family;
                }

                var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)) + "}";
                if (!series.Add(key))
                {
                    throw new FormatException("duplicate series " + key);
                }

                if (family.Type == "counter" && !(sample.Value >= 0))
                {
                    throw new FormatException($"counter {sample.Name} has a negative or NaN value");
                }

                family.Samples.Add(sample);
            }
            catch (FormatException e)
            {
                throw new FormatException($"line {lineNumber}: {e.Message}: {line}", e);
            }
        }

        foreach (var family in families.Values.Where(f => f.Type == "histogram"))
        {
            CheckHistogram(family);
        }

        return new PrometheusScrape(families);
    }

    private static void ParseComment(string line, Dictionary<string, PrometheusFamily> families, HashSet<string> finished, ref string? current)
    {
        var parts = line.Split(' ', 4);
        if (parts.Length < 3 || parts[0] != "#" || (parts[1] != "HELP" && parts[1] != "TYPE"))
        {
            return; // an ordinary comment
        }

        var name = parts[2];
        CheckMetricName(name);
        Enter(name, finished, ref current);
        if (!families.TryGetValue(name, out var family))
        {
            family = new PrometheusFamily(name, "untyped");
            families[name] = family;
        }

        if (parts[1] == "HELP")
        {
            if (family.Help is not null)
            {
                throw new FormatException("second HELP for " + name);
            }

            family.Help = Unescape(parts.Length > 3 ? parts[3] : string.Empty, allowQuote: false);
            return;
        }

        if (parts.Length != 4 || !Types.Contains(parts[3]))
        {
            throw new FormatException("TYPE needs one of " + string.Join(", ", Types));
        }

        if (family.TypeSeen || family.Samples.Count > 0)
        {
            throw new FormatException("TYPE for " + name + " is repeated or comes after its samples");
        }

        family.Type = parts[3];
        family.TypeSeen = true;
    }

    /// <summary>Families must be contiguous: once left, never entered again.</summary>
    private static void Enter(string family, HashSet<string> finished, ref string? current)
    {
        if (current == family)
        {
            return;
        }

        if (finished.Contains(family))
        {
            throw new FormatException($"lines of {family} are not contiguous");
        }

        if (current is not null)
        {
            finished.Add(current);
        }

        current = family;
    }

    private static string FamilyOf(string sampleName, Dictionary<string, PrometheusFamily> families)
    {
        if (families.ContainsKey(sampleName))
        {
            return sampleName;
        }

        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal)
                && families.TryGetValue(sampleName[..^suffix.Length], out var family)
                && (family.Type == "histogram" || (family.Type == "summary" && suffix != "_bucket")))
            {
                return family.Name;
            }
        }

        return sampleName;
    }

    private static PrometheusSample ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && IsNameChar(line[i], first: i == 0, colonAllowed: true))
        {
            i++;
        }

        var name = line[..i];
        CheckMetricName(name);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                if (i < line.Length && line[i] == '}')
                {
                    i++;
                    break;
                }

                var start = i;
                while (i < line.Length && IsNameChar(line[i], first: i == start, colonAllowed: false))
                {
                    i++;
                }

                var labelName = line[start..i];
                if (labelName.Length == 0 || labelName.StartsWith("__", StringComparison.Ordinal))
                {
                    throw new FormatException($"bad label name '{labelName}'");
                }

                if (i + 1 >= line.Length || line[i] != '=' || line[i + 1] != '"')
                {
                    throw new FormatException("expected =\" after label name " + labelName);
                }

                i += 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw new FormatException("unterminated label value");
                    }

                    var c = line[i++];
                    if (c == '"')
                    {
                        break;
                    }

                    if (c == '\\')
                    {
                        if (i >= line.Length)
                        {
                            throw new FormatException("dangling backslash");
                        }

                        value.Append(line[i++] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            var other => throw new FormatException($"invalid escape \\{other} in a label value"),
                        });
                        continue;
                    }

                    value.Append(c);
                }

                if (!labels.TryAdd(labelName, value.ToString()))
                {
                    throw new FormatException("duplicate label " + labelName);
                }

                if (i < line.Length && line[i] == ',')
                {
                    i++;
                }
                else if (i >= line.Length || line[i] != '}')
                {
                    throw new FormatException("expected , or } after a label");
                }
            }
        }

        if (i >= line.Length || line[i] != ' ')
        {
            throw new FormatException("expected a space before the value");
        }

        var rest = line[(i + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length is < 1 or > 2)
        {
            throw new FormatException("expected a value and an optional timestamp");
        }

        var parsed = ParseValue(rest[0]);
        if (rest.Length == 2 && !long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            throw new FormatException("timestamp is not an integer");
        }

        return new PrometheusSample(name, labels, parsed);
    }

    public static double ParseValue(string text) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && !text.Contains(',', StringComparison.Ordinal) => v,
        _ => throw new FormatException($"'{text}' is not a float"),
    };

    private static void CheckHistogram(PrometheusFamily family)
    {
        foreach (var group in family.Samples.GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value))))
        {
            var buckets = group.Where(s => s.Name == family.Name + "_bucket")
                .Select(s => (Le: ParseValue(s.Labels.TryGetValue("le", out var le) ? le : throw new FormatException($"{family.Name}_bucket without le")), s.Value))
                .OrderBy(b => b.Le)
                .ToList();
            if (buckets.Count == 0 || !double.IsPositiveInfinity(buckets[^1].Le))
            {
                throw new FormatException($"histogram {family.Name}{{{group.Key}}} has no +Inf bucket");
            }

            for (var i = 1; i < buckets.Count; i++)
            {
                if (buckets[i].Value < buckets[i - 1].Value)
                {
                    throw new FormatException($"histogram {family.Name}{{{group.Key}}}: bucket le={buckets[i].Le} is below the previous one");
                }
            }

            var count = group.SingleOrDefault(s => s.Name == family.Name + "_count") ?? throw new FormatException($"histogram {family.Name}{{{group.Key}}} has no _count");
            _ = group.SingleOrDefault(s => s.Name == family.Name + "_sum") ?? throw new FormatException($"histogram {family.Name}{{{group.Key}}} has no _sum");
            if (count.Value != buckets[^1].Value)
            {
                throw new FormatException($"histogram {family.Name}{{{group.Key}}}: _count {count.Value} != +Inf bucket {buckets[^1].Value}");
            }
        }
    }

    private static void CheckMetricName(string name)
    {
        if (name.Length == 0 || !name.Select((c, i) => IsNameChar(c, i == 0, colonAllowed: true)).All(ok => ok))
        {
            throw new FormatException($"bad metric name '{name}'");
        }
    }

    private static bool IsNameChar(char c, bool first, bool colonAllowed)
        => char.IsAsciiLetter(c) || c == '_' || (colonAllowed && c == ':') || (!first && char.IsAsciiDigit(c));

    private static string Unescape(string text, bool allowQuote)
    {
        var result = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                result.Append(text[i]);
                continue;
            }

            if (++i >= text.Length)
            {
                throw new FormatException("dangling backslash");
            }

            result.Append(text[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                '"' when allowQuote => '"',
                var other => throw new FormatException($"invalid escape \\{other}"),
            });
        }

        return result.ToString();
    }
}

internal sealed class PrometheusFamily(string name, string type)
{
    public string Name { get; } = name;

    public string Type { get; set; } = type;

    public bool TypeSeen { get; set; }

    public string? Help { get; set; }

    public List<PrometheusSample> Samples { get; } = [];
}

internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A parsed scrape with lookups by exact label set.</summary>
internal sealed class PrometheusScrape(IReadOnlyDictionary<string, PrometheusFamily> families)
{
    public IReadOnlyDictionary<string, PrometheusFamily> Families { get; } = families;

    public PrometheusFamily Family(string name)
        => Families.TryGetValue(name, out var family) ? family : throw new KeyNotFoundException("no metric family " + name);

    /// <summary>The value of the sample with exactly these labels (for a histogram family, name the _bucket/_sum/_count sample).</summary>
    public double Value(string sampleName, params (string Name, string Value)[] labels)
    {
        var matches = Families.Values.SelectMany(f => f.Samples)
            .Where(s => s.Name == sampleName && s.Labels.Count == labels.Length && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value))
            .ToList();
        return matches.Count == 1
            ? matches[0].Value
            : throw new KeyNotFoundException($"{matches.Count} samples {sampleName}{{{string.Join(",", labels.Select(l => $"{l.Name}=\"{l.Value}\""))}}}");
    }
}
