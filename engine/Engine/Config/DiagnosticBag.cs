using System.Collections.Immutable;

namespace Engine.Config;

/// <summary>Collects every diagnostic of one load; validation never stops at the first problem.</summary>
internal sealed class DiagnosticBag
{
    private readonly List<ConfigDiagnostic> _items = [];

    public int ErrorCount { get; private set; }

    public void Add(ConfigDiagnostic diagnostic)
    {
        _items.Add(diagnostic);
        if (diagnostic.IsError)
        {
            ErrorCount++;
        }
    }

    /// <summary>Diagnostics ordered by file (in load order) then line; equal positions keep discovery order.</summary>
    public ImmutableArray<ConfigDiagnostic> ToSortedArray(IReadOnlyList<string> fileOrder)
    {
        var rank = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < fileOrder.Count; i++)
        {
            rank.TryAdd(fileOrder[i], i);
        }

        return [.. _items
            .Select((d, i) => (d, i))
            .OrderBy(x => rank.TryGetValue(x.d.File, out var r) ? r : -1)
            .ThenBy(x => x.d.Line)
            .ThenBy(x => x.i)
            .Select(x => x.d)];
    }
}
