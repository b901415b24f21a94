namespace Engine.Config.Yaml;

/// <summary>The first syntax error of a stream; the parser cannot recover past it.</summary>
internal sealed record YamlSyntaxError(int Line, int Column, string Message);
