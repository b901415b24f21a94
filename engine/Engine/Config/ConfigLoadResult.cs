using System.Collections.Immutable;

namespace Engine.Config;

/// <summary>
/// Outcome of a load: the snapshot (only when there is no error) and every diagnostic, sorted by
/// file and line. A caller that already runs keeps its last good snapshot when this one failed.
/// </summary>
internal sealed record ConfigLoadResult(ConfigSnapshot? Snapshot, ImmutableArray<ConfigDiagnostic> Diagnostics)
{
    public bool Succeeded => Snapshot is not null;

    public IEnumerable<ConfigDiagnostic> Errors => Diagnostics.Where(d => d.IsError);

    public IEnumerable<ConfigDiagnostic> Warnings => Diagnostics.Where(d => !d.IsError);
}
