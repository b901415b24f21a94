using System.Globalization;
using System.Net;

namespace Engine.Upstream.Dns;

/// <summary>
/// What <c>/etc/resolv.conf</c> tells a stub resolver (resolv.conf(5)): up to three name servers,
/// the search list, and the <c>ndots</c>, <c>timeout</c> and <c>attempts</c> options, with the
/// C library's defaults (1, 5 s, 2).
/// </summary>
internal sealed record ResolverConfig(IReadOnlyList<IPEndPoint> Servers, IReadOnlyList<string> Search, int Ndots, TimeSpan Timeout, int Attempts)
{
    public const string SystemPath = "/etc/resolv.conf";

    /// <summary>The system's, or null when it names no server (or cannot be read).</summary>
    public static ResolverConfig? FromSystem()
    {
        try
        {
            return Parse(File.ReadAllText(SystemPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static ResolverConfig? Parse(string text)
    {
        var servers = new List<IPEndPoint>();
        IReadOnlyList<string> search = [];
        int ndots = 1, attempts = 2;
        var timeout = TimeSpan.FromSeconds(5);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Split('#', ';')[0];
            var words = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2)
            {
                continue;
            }

            switch (words[0])
            {
                case "nameserver" when servers.Count < 3 && IPAddress.TryParse(words[1], out var address):
                    servers.Add(new IPEndPoint(address, 53));
                    break;
                case "search":
                case "domain":
                    search = words[1..];
                    break;
                case "options":
                    foreach (var option in words[1..])
                    {
                        var (name, value) = option.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0
                            ? (option[..colon], option[(colon + 1)..])
                            : (option, "");
                        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                        {
                            continue;
                        }

                        switch (name)
                        {
                            case "ndots": ndots = Math.Min(number, 15); break;
                            case "timeout": timeout = TimeSpan.FromSeconds(Math.Clamp(number, 1, 30)); break;
                            case "attempts": attempts = Math.Clamp(number, 1, 5); break;
                        }
                    }

                    break;
            }
        }

        return servers.Count == 0 ? null : new ResolverConfig(servers, search, ndots, timeout, attempts);
    }

    /// <summary>The names to ask, in the C library's order: as given first when it has ndots dots or more, else after the search list.</summary>
    public IEnumerable<string> Candidates(string name)
    {
        if (name.EndsWith('.'))
        {
            yield return name;
            yield break;
        }

        var asGiven = name.Count(c => c == '.') >= Ndots;
        if (asGiven)
        {
            yield return name;
        }

        foreach (var domain in Search)
        {
            yield return name + "." + domain.TrimEnd('.');
        }

        if (!asGiven)
        {
            yield return name;
        }
    }
}
