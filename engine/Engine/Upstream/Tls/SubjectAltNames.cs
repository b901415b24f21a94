using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Engine.Upstream.Tls;

/// <summary>
/// The subjectAltName check Envoy makes for <c>match_subject_alt_names</c> (Istio's
/// <c>subjectAltNames</c>, and the host under <c>auto_san_validation</c>): an expected name matches
/// a DNS, URI, e-mail or IP entry of the certificate exactly, or a DNS entry <c>*.example.com</c>
/// when the wildcard stands for exactly one label (Envoy's <c>dnsNameMatch</c>). The subject's CN
/// is never consulted, as in Envoy.
/// </summary>
internal static class SubjectAltNames
{
    private const string ExtensionOid = "2.5.29.17";

    private static readonly Asn1Tag Rfc822 = new(TagClass.ContextSpecific, 1);
    private static readonly Asn1Tag Dns = new(TagClass.ContextSpecific, 2);
    private static readonly Asn1Tag Uri = new(TagClass.ContextSpecific, 6);
    private static readonly Asn1Tag Ip = new(TagClass.ContextSpecific, 7);

    /// <summary>True when one of <paramref name="expected"/> names the certificate.</summary>
    public static bool MatchesAny(X509Certificate2 certificate, IReadOnlyList<string> expected)
    {
        var entries = Read(certificate);
        foreach (var name in expected)
        {
            foreach (var (tag, value) in entries)
            {
                if (Matches(name, tag, value))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The certificate's entries as (kind, text); IP addresses in their usual notation.</summary>
    public static List<(int Kind, string Value)> Read(X509Certificate2 certificate)
    {
        var entries = new List<(int, string)>();
        var extension = certificate.Extensions[ExtensionOid];
        if (extension is null)
        {
            return entries;
        }

        try
        {
            var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            while (reader.HasData)
            {
                var tag = reader.PeekTag();
                if (tag.HasSameClassAndValue(Dns) || tag.HasSameClassAndValue(Uri) || tag.HasSameClassAndValue(Rfc822))
                {
                    entries.Add((tag.TagValue, reader.ReadCharacterString(UniversalTagNumber.IA5String, tag)));
                }
                else if (tag.HasSameClassAndValue(Ip))
                {
                    entries.Add((tag.TagValue, new IPAddress(reader.ReadOctetString(tag)).ToString()));
                }
                else
                {
                    reader.ReadEncodedValue();
                }
            }
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException)
        {
            // A malformed extension names nothing.
        }

        return entries;
    }

    private static bool Matches(string expected, int kind, string value)
    {
        if (kind == Ip.TagValue)
        {
            return IPAddress.TryParse(expected, out var address) && address.ToString() == value;
        }

        if (kind != Dns.TagValue)
        {
            return string.Equals(expected, value, StringComparison.Ordinal);
        }

        if (string.Equals(expected, value, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // "*.example.com" stands for one label: "api.example.com", not "a.b.example.com".
        if (value.Length > 2 && value.StartsWith("*.", StringComparison.Ordinal))
        {
            var dot = expected.IndexOf('.', StringComparison.Ordinal);
            return dot > 0 && string.Equals(expected[dot..], value[1..], StringComparison.OrdinalIgnoreCase);
        }

        return false;
    }
}
