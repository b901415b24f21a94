using System.Text;
using Engine.Protocols.Http;

namespace Engine.Routing;

/// <summary>
/// What routing reads from a request, over the head's bytes: path, method, scheme, authority,
/// headers by name and query parameters, plus the port the request is addressed to.
/// </summary>
/// <remarks>
/// The scratch buffer is where several lines of one header are joined with ',' (Envoy matches
/// the joined value); it is the thread's (<see cref="RouteScratch"/>), so joining allocates nothing.
/// </remarks>
internal readonly ref struct RequestView
{
    private readonly HttpRequestHead _head;
    private readonly byte[]? _scratch;

    public RequestView(HttpRequestHead head, int port, byte[]? scratch = null)
    {
        _head = head;
        Port = port;
        _scratch = scratch;
    }

    public HttpRequestHead Head => _head;

    /// <summary>The port the request is for: the original destination, or the authority's port.</summary>
    public int Port { get; }

    /// <summary>The path without its query (what exact and regex URI matches see).</summary>
    public ReadOnlySpan<byte> Path => _head.PathOnly;

    /// <summary>The path with its query (what a prefix URI match sees in Envoy).</summary>
    public ReadOnlySpan<byte> PathAndQuery => _head.Span(_head.Path);

    public ReadOnlySpan<byte> Method => _head.Span(_head.MethodBytes);

    public ReadOnlySpan<byte> Scheme => _head.Scheme.IsEmpty ? "http"u8 : _head.Span(_head.Scheme);

    public ReadOnlySpan<byte> Authority => _head.Span(_head.Authority);

    public bool TryGetHeader(ReadOnlySpan<byte> lowerName, out ReadOnlySpan<byte> value)
    {
        // Pseudo-headers Istio lets a header match name (istio-semantics.md §3.2).
        if (lowerName.Length > 0 && lowerName[0] == (byte)':')
        {
            return TryGetPseudoHeader(lowerName, out value);
        }

        // Envoy keeps Host as :authority, so a header rule on "host" never matches (istio/istio#23083).
        if (lowerName.SequenceEqual("host"u8))
        {
            value = default;
            return false;
        }

        var first = _head.IndexOf(lowerName);
        if (first < 0)
        {
            value = default;
            return false;
        }

        var second = _head.IndexOf(lowerName, first + 1);
        if (second < 0 || _scratch is null)
        {
            value = _head.ValueOf(first);
            return true;
        }

        value = Join(lowerName, first);
        return true;
    }

    public bool TryGetQueryParameter(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        var query = _head.Query;
        while (!query.IsEmpty)
        {
            var amp = query.IndexOf((byte)'&');
            var pair = amp < 0 ? query : query[..amp];
            query = amp < 0 ? ReadOnlySpan<byte>.Empty : query[(amp + 1)..];

            var eq = pair.IndexOf((byte)'=');
            var key = eq < 0 ? pair : pair[..eq];
            if (key.SequenceEqual(name))
            {
                value = eq < 0 ? ReadOnlySpan<byte>.Empty : pair[(eq + 1)..];
                return true;
            }
        }

        value = default;
        return false;
    }

    private bool TryGetPseudoHeader(ReadOnlySpan<byte> lowerName, out ReadOnlySpan<byte> value)
    {
        if (lowerName.SequenceEqual(":authority"u8))
        {
            value = Authority;
        }
        else if (lowerName.SequenceEqual(":method"u8))
        {
            value = Method;
        }
        else if (lowerName.SequenceEqual(":path"u8))
        {
            value = _head.Span(_head.Path);
        }
        else if (lowerName.SequenceEqual(":scheme"u8))
        {
            value = Scheme;
        }
        else
        {
            value = default;
            return false;
        }

        return true;
    }

    private ReadOnlySpan<byte> Join(ReadOnlySpan<byte> lowerName, int first)
    {
        var scratch = _scratch!;
        var length = 0;
        for (var i = first; i >= 0; i = _head.IndexOf(lowerName, i + 1))
        {
            var part = _head.ValueOf(i);
            var needed = part.Length + (length > 0 ? 1 : 0);
            if (length + needed > scratch.Length)
            {
                break; // longer than any header block we accept; match what fits
            }

            if (length > 0)
            {
                scratch[length++] = (byte)',';
            }

            part.CopyTo(scratch.AsSpan(length));
            length += part.Length;
        }

        return scratch.AsSpan(0, length);
    }

    public override string ToString() => Encoding.UTF8.GetString(Method) + " " + Encoding.UTF8.GetString(Authority) + Encoding.UTF8.GetString(_head.Span(_head.Path));
}
