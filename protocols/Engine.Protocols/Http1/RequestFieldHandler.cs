using System.Text;
using Engine.Protocols.Http;
using HttpMethod = Engine.Protocols.Http.HttpMethod;

namespace Engine.Protocols.Http1;

/// <summary>Collects request fields into the head and computes what the proxy needs from them.</summary>
internal struct RequestFieldHandler(HttpRequestHead head) : IHttp1FieldHandler
{
    private Http1Framing _framing;
    private ByteRange _host;
    private bool _expectContinue;
    private bool _upgrade;
    private bool _upgradeH2c;

    public Http1Error OnField(KnownHeader known, ByteRange name, ByteRange value, ReadOnlySpan<byte> valueBytes)
    {
        head.AddHeader(name, value, known);
        var error = _framing.OnField(known, valueBytes);
        if (error != Http1Error.None)
        {
            return error;
        }

        switch (known)
        {
            case KnownHeader.Host:
                // RFC 9112 §3.2: more than one Host line, or an invalid value, MUST get 400.
                if (++head.HostCount > 1)
                {
                    return Http1Error.MultipleHost;
                }

                _host = value;
                return HostValidator.IsValid(valueBytes, requirePort: false) ? Http1Error.None : Http1Error.InvalidHost;
            case KnownHeader.Expect:
                // RFC 9110 §10.1.1: the expectation is case-insensitive.
                _expectContinue |= Ascii.EqualsIgnoreCase(valueBytes, "100-continue"u8);
                break;
            case KnownHeader.Upgrade:
                _upgrade = true;
                _upgradeH2c = Ascii.EqualsIgnoreCase(valueBytes, "h2c"u8);
                break;
        }

        return Http1Error.None;
    }

    /// <summary>Request-wide rules, once every field is in.</summary>
    public readonly Http1Error Finish()
    {
        var error = _framing.Finish(head);
        if (error != Http1Error.None)
        {
            return error;
        }

        // RFC 9112 §3.2: an HTTP/1.1 request without Host MUST get 400. The RFC lets a client send an
        // empty Host when the target has no authority; a proxy cannot route that, so we reject it
        // unless the target itself carries the authority (absolute-form, CONNECT), which then wins.
        var targetHasAuthority = head.AbsoluteForm || head.Method == HttpMethod.Connect;
        if (head.HostCount == 0)
        {
            if (head.Version == HttpVersion.Http11)
            {
                return Http1Error.MissingHost;
            }
        }
        else if (_host.IsEmpty && head.Version == HttpVersion.Http11 && !targetHasAuthority)
        {
            return Http1Error.InvalidHost;
        }

        if (!targetHasAuthority)
        {
            head.Authority = _host;
        }

        // RFC 9110 §10.1.1: a server MUST ignore 100-continue in an HTTP/1.0 request.
        head.ExpectContinue = _expectContinue && head.Version == HttpVersion.Http11;

        // RFC 9110 §9.3.6: CONNECT content has no defined meaning; an upgrade request hands the
        // connection over, so a body before it could be read as either (Kestrel
        // UpgradeRequestCannotHavePayload). h2c upgrades are exempt: the proxy drops them and
        // forwards the request (Envoy strips h2c upgrade headers).
        var hasBody = head.Chunked || head.ContentLength > 0;
        if (hasBody && head.Method == HttpMethod.Connect)
        {
            return Http1Error.ConnectWithBody;
        }

        if (hasBody && _upgrade && !_upgradeH2c && (head.Connection & ConnectionOptions.Upgrade) != 0)
        {
            return Http1Error.UpgradeWithBody;
        }

        return Http1Error.None;
    }
}
