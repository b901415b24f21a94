using System.Buffers;
using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;

namespace Engine.Tests.Routing;

/// <summary>Request heads for routing tests, made by the real parser from request text.</summary>
internal static class RequestHeads
{
    public static HttpRequestHead Parse(string method, string authority, string pathAndQuery, params (string Name, string Value)[] headers)
    {
        var text = new StringBuilder($"{method} {pathAndQuery} HTTP/1.1\r\nHost: {authority}\r\n");
        foreach (var (name, value) in headers)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        text.Append("\r\n");
        var head = new HttpRequestHead();
        var status = Http1RequestParser.TryParseRequest(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text.ToString())), head, Http1Limits.Default, out _, out var error);
        if (status != Http1ParseStatus.Complete)
        {
            throw new InvalidOperationException($"test request did not parse: {error}\n{text}");
        }

        return head;
    }
}
