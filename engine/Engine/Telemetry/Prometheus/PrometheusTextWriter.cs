using System.Globalization;
using System.Text;
using Engine.Telemetry.Metrics;

namespace Engine.Telemetry.Prometheus;

/// <summary>
/// Prometheus text exposition format 0.0.4: per family one <c># HELP</c> and one <c># TYPE</c>
/// line, then its samples, contiguous; label values escaped (<c>\\</c>, <c>\"</c>, <c>\n</c>);
/// histograms as cumulative <c>_bucket{le=…}</c> series ending in <c>+Inf</c>, then <c>_sum</c>
/// and <c>_count</c>. Runs on a scrape, not on the request path, so it favours clarity over
/// avoiding allocations.
/// </summary>
internal sealed class PrometheusTextWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new(16 * 1024);
    private readonly HashSet<string> _families = new(StringComparer.Ordinal);

    /// <summary>Starts a family; every sample written until the next call belongs to it.</summary>
    public void Family(string name, string type, string help)
    {
        if (!_families.Add(name))
        {
            throw new InvalidOperationException($"metric family {name} written twice: its samples would not be contiguous");
        }

        _text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public void Sample(string name, long value, params (string Name, string Value)[] labels)
    {
        WriteSeries(name, labels, extraLabel: null);
        _text.Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    public void Sample(string name, double value, params (string Name, string Value)[] labels)
    {
        WriteSeries(name, labels, extraLabel: null);
        _text.Append(Format(value)).Append('\n');
    }

    public void Histogram(string name, HistogramSnapshot snapshot, params (string Name, string Value)[] labels)
    {
        var i = 0;
        foreach (var bound in LatencyHistogram.BoundsMs)
        {
            WriteSeries(name + "_bucket", labels, ("le", Format(bound)));
            _text.Append(snapshot.Cumulative[i++].ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        WriteSeries(name + "_bucket", labels, ("le", "+Inf"));
        _text.Append(snapshot.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        WriteSeries(name + "_sum", labels, extraLabel: null);
        _text.Append(Format(snapshot.SumMs)).Append('\n');
        WriteSeries(name + "_count", labels, extraLabel: null);
        _text.Append(snapshot.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    public override string ToString() => _text.ToString();

    private void WriteSeries(string name, (string Name, string Value)[] labels, (string Name, string Value)? extraLabel)
    {
        _text.Append(name);
        if (labels.Length == 0 && extraLabel is null)
        {
            _text.Append(' ');
            return;
        }

        _text.Append('{');
        var first = true;
        foreach (var label in labels)
        {
            AppendLabel(label, ref first);
        }

        if (extraLabel is { } extra)
        {
            AppendLabel(extra, ref first);
        }

        _text.Append("} ");
    }

    private void AppendLabel((string Name, string Value) label, ref bool first)
    {
        if (!first)
        {
            _text.Append(',');
        }

        first = false;
        _text.Append(label.Name).Append("=\"");
        foreach (var c in label.Value)
        {
            _ = c switch
            {
                '\\' => _text.Append("\\\\"),
                '"' => _text.Append("\\\""),
                '\n' => _text.Append("\\n"),
                _ => _text.Append(c),
            };
        }

        _text.Append('"');
    }

    private static string Format(double value)
        => double.IsPositiveInfinity(value) ? "+Inf"
            : double.IsNegativeInfinity(value) ? "-Inf"
            : double.IsNaN(value) ? "NaN"
            : value.ToString("R", CultureInfo.InvariantCulture);
}
