namespace Engine.Config.Yaml;

/// <summary>One document of a multi-document stream; <see cref="Root"/> is null for an empty document.</summary>
internal sealed record YamlDocument(YamlNode? Root, int Line);
