using System.Text;
using Engine.Protocols.Http;

namespace Engine.Protocols.Tests.Hpack;

/// <summary>Builds heads the way the HTTP/1.1 parser or a session would, and lists their fields as text.</summary>
internal static class Heads
{
    public static HttpRequestHead Request(string method, string scheme, string authority, string path, params (string Name, string Value)[] fields)
    {
        var head = new HttpRequestHead();
        head.MethodBytes = head.Append(Encoding.Latin1.GetBytes(method));
        head.Scheme = scheme.Length == 0 ? default : head.Append(Encoding.Latin1.GetBytes(scheme));
        head.Authority = head.Append(Encoding.Latin1.GetBytes(authority));
        head.Path = path.Length == 0 ? default : head.Append(Encoding.Latin1.GetBytes(path));
        head.QueryOffset = path.IndexOf('?');
        foreach (var (name, value) in fields)
        {
            var nameBytes = Encoding.Latin1.GetBytes(name);
            head.AddHeader(nameBytes, Encoding.Latin1.GetBytes(value), Identify(name));
        }

        return head;
    }

    public static List<(string, string)> Fields(HttpHead head)
    {
        var list = new List<(string, string)>();
        for (var i = 0; i < head.HeaderCount; i++)
        {
            list.Add((Encoding.Latin1.GetString(head.NameOf(i)), Encoding.Latin1.GetString(head.ValueOf(i))));
        }

        return list;
    }

    private static KnownHeader Identify(string name) => name.ToLowerInvariant() switch
    {
        "host" => KnownHeader.Host,
        "connection" => KnownHeader.Connection,
        "keep-alive" => KnownHeader.KeepAlive,
        "proxy-connection" => KnownHeader.ProxyConnection,
        "transfer-encoding" => KnownHeader.TransferEncoding,
        "upgrade" => KnownHeader.Upgrade,
        "te" => KnownHeader.Te,
        "content-length" => KnownHeader.ContentLength,
        "content-type" => KnownHeader.ContentType,
        _ => KnownHeader.None,
    };
}
