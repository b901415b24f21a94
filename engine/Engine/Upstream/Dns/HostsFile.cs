namespace Engine.Upstream.Dns;

/// <summary>The names in <c>/etc/hosts</c> (hosts(5)): an address, then the names it answers for.</summary>
internal static class HostsFile
{
    public const string SystemPath = "/etc/hosts";

    /// <summary>Whether the system's hosts file names <paramref name="name"/> (read each time: refreshes are rare, the file small).</summary>
    public static bool Contains(string name)
    {
        try
        {
            return Names(File.ReadAllText(SystemPath)).Contains(name.TrimEnd('.'));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static HashSet<string> Names(string text)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in text.Split('\n'))
        {
            var words = raw.Split('#')[0].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            for (var i = 1; i < words.Length; i++)
            {
                names.Add(words[i]);
            }
        }

        return names;
    }
}
