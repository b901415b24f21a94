namespace Engine.IntegrationTests.Infrastructure;

/// <summary>Reads a header out of the raw request head a scripted upstream received.</summary>
internal static class ScriptedHeaders
{
    public static string? Get(string head, string name)
    {
        foreach (var line in head.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }
}
