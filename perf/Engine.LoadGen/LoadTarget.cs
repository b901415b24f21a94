using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Engine.LoadGen;

/// <summary>Where the load goes and the request bytes it sends, built once.</summary>
internal sealed class LoadTarget
{
    private LoadTarget(Uri url, IPEndPoint endpoint, byte[] request, bool isHead, string method, string authority, IReadOnlyList<(string Name, string Value)> headers, int bodyBytes)
    {
        Url = url;
        EndPoint = endpoint;
        Request = request;
        IsHead = isHead;
        Method = method;
        Authority = authority;
        Headers = headers;
        Body = new byte[bodyBytes];
        Body.AsSpan().Fill((byte)'x');
    }

    public Uri Url { get; }

    public IPEndPoint EndPoint { get; }

    /// <summary>The whole request (head and body), sent as is on every slot.</summary>
    public byte[] Request { get; }

    /// <summary>HEAD: responses carry no body whatever their Content-Length says.</summary>
    public bool IsHead { get; }

    /// <summary>The same request in parts, for h2c (HttpClient builds the frames).</summary>
    public string Method { get; }

    /// <summary>The Host header, or :authority over h2c.</summary>
    public string Authority { get; }

    public IReadOnlyList<(string Name, string Value)> Headers { get; }

    public byte[] Body { get; }

    /// <summary>
    /// Resolves the URL and builds the request. Only loopback addresses are accepted unless
    /// <paramref name="allowRemote"/>: a load generator aimed at the wrong host is a denial of service.
    /// </summary>
    public static LoadTarget Create(string url, string method, string? hostHeader, IReadOnlyList<string> headers, int bodyBytes, bool allowRemote)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            throw new LoadGenException($"--url '{url}' is not an absolute http:// URL (https is not supported; h2c uses http:// with --protocol h2c)");
        }

        var address = IPAddress.TryParse(uri.IdnHost, out var literal)
            ? literal
            : Dns.GetHostAddresses(uri.IdnHost).FirstOrDefault(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
              ?? throw new LoadGenException($"cannot resolve {uri.IdnHost}");
        if (!IPAddress.IsLoopback(address) && !allowRemote)
        {
            throw new LoadGenException($"{address} is not a loopback address; pass --allow-remote to load a host you own");
        }

        var text = new StringBuilder();
        var authority = hostHeader ?? uri.Authority;
        var fields = new List<(string Name, string Value)>();
        text.Append(method).Append(' ').Append(uri.PathAndQuery).Append(" HTTP/1.1\r\n");
        text.Append("Host: ").Append(authority).Append("\r\n");
        foreach (var header in headers)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || header.Contains('\r', StringComparison.Ordinal) || header.Contains('\n', StringComparison.Ordinal))
            {
                throw new LoadGenException($"--header '{header}' is not NAME: VALUE");
            }

            var name = header.AsSpan(0, colon).Trim().ToString();
            var value = header.AsSpan(colon + 1).Trim().ToString();
            fields.Add((name, value));
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        if (bodyBytes > 0)
        {
            text.Append("Content-Length: ").Append(bodyBytes).Append("\r\n");
        }

        text.Append("\r\n");
        var head = Encoding.ASCII.GetBytes(text.ToString());
        var request = new byte[head.Length + bodyBytes];
        head.CopyTo(request, 0);
        request.AsSpan(head.Length).Fill((byte)'x');
        return new LoadTarget(uri, new IPEndPoint(address, uri.Port), request, string.Equals(method, "HEAD", StringComparison.OrdinalIgnoreCase), method, authority, fields, bodyBytes);
    }
}

/// <summary>A usage or setup error, printed without a stack trace.</summary>
internal sealed class LoadGenException : Exception
{
    public LoadGenException(string message)
        : base(message)
    {
    }

    public LoadGenException()
    {
    }

    public LoadGenException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
