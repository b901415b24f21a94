using System.Text;
using Engine.Protocols.Http;

namespace Engine.Proxy;

/// <summary>Connection-nominated hop-by-hop headers (RFC 9110 §7.6.1: "Connection: foo" makes foo hop-by-hop).</summary>
internal static class HopByHop
{
    public static bool IsNominatedByConnection(HttpHead head, ReadOnlySpan<byte> name)
    {
        var headers = head.Headers;
        for (var i = 0; i < headers.Length; i++)
        {
            if (headers[i].Known != KnownHeader.Connection)
            {
                continue;
            }

            var value = head.Span(headers[i].Value);
            while (!value.IsEmpty)
            {
                var comma = value.IndexOf((byte)',');
                var token = (comma < 0 ? value : value[..comma]).Trim(" \t"u8);
                value = comma < 0 ? ReadOnlySpan<byte>.Empty : value[(comma + 1)..];
                if (Ascii.EqualsIgnoreCase(token, name))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
