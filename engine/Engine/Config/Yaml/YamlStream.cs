using System.Collections.Immutable;

namespace Engine.Config.Yaml;

/// <summary>
/// The documents read from one file. On a syntax error <see cref="Error"/> is set and
/// <see cref="Documents"/> holds the documents completed before it (the loader discards the file).
/// </summary>
internal sealed record YamlStream(ImmutableArray<YamlDocument> Documents, YamlSyntaxError? Error);
