using Engine.Config.Model;

namespace Engine.Config.Binding;

/// <summary>
/// A resource as bound from one document, before validation: the typed
/// <c>IstioResource&lt;TSpec&gt;</c> plus the paths whose values could not be bound (validation
/// skips "missing" reports for them, so one mistake gives one error).
/// </summary>
internal sealed record LoadedResource(ResourceKind Kind, object Resource, IReadOnlySet<string> FailedPaths);
