using System.Text;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using HttpMethod = Engine.Protocols.Http.HttpMethod;

namespace Engine.Protocols.Http2;

/// <summary>
/// Fills an <see cref="HttpRequestHead"/> from decoded fields: pseudo-header fields become the
/// head's method, scheme, authority and path; regular fields go to its header list, identified and
/// checked (RFC 9113 §8.2, §8.3.1). <see cref="Finish"/> applies the rules that need the whole section.
/// </summary>
internal struct RequestHeaderSink(HttpRequestHead head) : IHpackSink
{
    private PseudoHeader _seen;
    private bool _regularSeen;
    private ContentLengthField _contentLength;
    private ByteRange _host;

    public Http2Error OnField(ReadOnlySpan<byte> nameBytes, ByteRange nameInArena, ByteRange value, bool neverIndexed)
    {
        var valueBytes = head.Span(value);
        if (PseudoHeaders.IsPseudo(nameBytes))
        {
            return OnPseudoHeader(PseudoHeaders.Identify(nameBytes), value, valueBytes);
        }

        _regularSeen = true;
        var error = Http2FieldRules.CheckRegularField(nameBytes, valueBytes, out var known);
        if (error != Http2Error.None)
        {
            return error;
        }

        switch (known)
        {
            case KnownHeader.ContentLength:
                if ((error = _contentLength.Take(valueBytes)) != Http2Error.None)
                {
                    return error;
                }

                break;
            case KnownHeader.Host:
                if (++head.HostCount > 1 || !Http2FieldRules.IsValidAuthority(valueBytes, requirePort: false))
                {
                    return Http2Error.InvalidAuthority;
                }

                _host = value;
                break;
            case KnownHeader.Expect:
                head.ExpectContinue |= Ascii.EqualsIgnoreCase(valueBytes, "100-continue"u8);
                break;
        }

        head.AddHeader(HpackSinks.NameRange(head, nameBytes, nameInArena), value, known, neverIndexed);
        return Http2Error.None;
    }

    /// <summary>§8.3: before every regular field, each at most once, only the request ones.</summary>
    private Http2Error OnPseudoHeader(PseudoHeader pseudo, ByteRange value, ReadOnlySpan<byte> valueBytes)
    {
        if (_regularSeen)
        {
            return Http2Error.PseudoHeaderAfterRegular;
        }

        if (pseudo == PseudoHeader.Unknown)
        {
            return Http2Error.UnknownPseudoHeader;
        }

        if (pseudo == PseudoHeader.Status)
        {
            return Http2Error.ResponsePseudoHeaderInRequest;
        }

        if ((_seen & pseudo) != 0)
        {
            return Http2Error.DuplicatePseudoHeader;
        }

        _seen |= pseudo;
        switch (pseudo)
        {
            case PseudoHeader.Method:
                // A method the table knows is a token already: only a custom one needs the search.
                var method = Http1Methods.Identify(valueBytes);
                if (method == HttpMethod.Custom && !Http2FieldRules.IsValidMethod(valueBytes))
                {
                    return Http2Error.InvalidMethod;
                }

                head.Method = method;
                head.MethodBytes = value;
                break;
            case PseudoHeader.Scheme:
                if (!valueBytes.SequenceEqual("http"u8) && !valueBytes.SequenceEqual("https"u8) && !Http2FieldRules.IsValidScheme(valueBytes))
                {
                    return Http2Error.InvalidScheme;
                }

                head.Scheme = value;
                break;
            case PseudoHeader.Authority:
                // Validated in Finish: CONNECT needs a port, other methods do not.
                head.Authority = value;
                break;
            default:
                if (!Http2FieldRules.IsValidPath(valueBytes))
                {
                    return Http2Error.InvalidPath;
                }

                head.Path = value;
                head.QueryOffset = valueBytes.IndexOf((byte)'?');
                break;
        }

        return Http2Error.None;
    }

    /// <summary>
    /// §8.3.1: :method, :scheme and :path are required, except for CONNECT (§8.5), which has only
    /// :method and :authority (with a port). The proxy routes on the authority, so a request with
    /// neither :authority nor Host is refused; with both, Host is discarded (as Envoy does). "*" is a
    /// path only for OPTIONS.
    /// </summary>
    public readonly Http2Error Finish()
    {
        head.Version = HttpVersion.Http2;
        head.ContentLength = _contentLength.Value;
        if ((_seen & PseudoHeader.Method) == 0)
        {
            return Http2Error.MissingPseudoHeader;
        }

        var authority = head.Span(head.Authority);
        if (head.Method == HttpMethod.Connect)
        {
            if ((_seen & (PseudoHeader.Scheme | PseudoHeader.Path)) != 0 || (_seen & PseudoHeader.Authority) == 0)
            {
                return Http2Error.InvalidConnect;
            }

            return Http2FieldRules.IsValidAuthority(authority, requirePort: true) ? Http2Error.None : Http2Error.InvalidAuthority;
        }

        if ((_seen & (PseudoHeader.Scheme | PseudoHeader.Path)) != (PseudoHeader.Scheme | PseudoHeader.Path))
        {
            return Http2Error.MissingPseudoHeader;
        }

        if (head.Span(head.Path).SequenceEqual("*"u8) && head.Method != HttpMethod.Options)
        {
            return Http2Error.InvalidPath;
        }

        if ((_seen & PseudoHeader.Authority) == 0)
        {
            if (head.HostCount == 0)
            {
                return Http2Error.MissingAuthority;
            }

            head.Authority = _host;
            return Http2Error.None;
        }

        if (!Http2FieldRules.IsValidAuthority(authority, requirePort: false))
        {
            return Http2Error.InvalidAuthority;
        }

        // §8.3.1: with :authority present, Host does not determine the target. The Envoy sidecar
        // discards it (envoy.reloadable_features.http2_discard_host_header, on by default) rather
        // than refusing the request (a SHOULD): clients such as nghttp and h2load send both when
        // told "-H host: …". Only :authority goes on (as Host over HTTP/1.1).
        if (head.HostCount > 0 && head.IndexOf(KnownHeader.Host) is var host and >= 0)
        {
            head.RemoveHeaderAt(host);
        }

        return Http2Error.None;
    }
}
