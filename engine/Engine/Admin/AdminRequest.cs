using Engine.Protocols.Http;

namespace Engine.Admin;

/// <summary>An admin request, decoded: method, path without query, query parameters (last one wins).</summary>
internal sealed record AdminRequest(HttpMethod Method, string Path, IReadOnlyDictionary<string, string> Query)
{
    public static AdminRequest From(HttpRequestHead head)
    {
        var path = System.Text.Encoding.Latin1.GetString(head.PathOnly);
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in System.Text.Encoding.Latin1.GetString(head.Query).Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Unescape(eq < 0 ? pair : pair[..eq]);
            query[key] = eq < 0 ? string.Empty : Unescape(pair[(eq + 1)..]);
        }

        return new AdminRequest(head.Method, path, query);
    }

    private static string Unescape(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
