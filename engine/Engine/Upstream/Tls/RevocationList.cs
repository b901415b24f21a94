using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Engine.Upstream.Tls;

/// <summary>
/// DestinationRule <c>tls.caCrl</c>: the certificate revocation lists (RFC 5280 §5, PEM "X509 CRL"
/// blocks or one DER list) a server certificate is checked against, as Envoy checks its
/// <c>crl</c>: the certificate's issuer must have a list here (without one the certificate cannot
/// be checked, and is refused, as BoringSSL's CRL check does), the list must not be past its next
/// update, and must not name the certificate's serial number. Intermediates of the chain are checked
/// against the lists of their issuers when the file has them. The file is the operator's, so the
/// lists' signatures are not verified again here; they are matched to certificates by issuer name.
/// </summary>
internal sealed class RevocationList
{
    private readonly List<Entry> _lists;

    private RevocationList(List<Entry> lists) => _lists = lists;

    private sealed record Entry(byte[] Issuer, DateTimeOffset? NextUpdate, HashSet<string> Serials);

    /// <summary>The lists in <paramref name="path"/>, or why the file cannot be used.</summary>
    public static (RevocationList? List, string? Error) Load(string path)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            var lists = new List<Entry>();
            var text = System.Text.Encoding.ASCII.GetString(bytes);
            if (text.Contains("-----BEGIN X509 CRL-----", StringComparison.Ordinal))
            {
                var rest = text.AsSpan();
                while (PemEncoding.TryFind(rest, out var fields))
                {
                    if (rest[fields.Label].SequenceEqual("X509 CRL"))
                    {
                        lists.Add(Parse(Convert.FromBase64String(rest[fields.Base64Data].ToString())));
                    }

                    rest = rest[fields.Location.End..];
                }
            }
            else
            {
                lists.Add(Parse(bytes));
            }

            return lists.Count == 0 ? (null, $"caCrl file \"{path}\" holds no certificate revocation list") : (new RevocationList(lists), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or AsnContentException or FormatException or CryptographicException)
        {
            return (null, $"cannot load caCrl file \"{path}\": {e.Message}");
        }
    }

    /// <summary>Why <paramref name="leaf"/> (with the rest of <paramref name="chain"/>) is refused; null when it passes.</summary>
    public string? Check(X509Certificate2 leaf, X509Chain? chain, DateTimeOffset now)
    {
        if (Check(leaf, now, required: true) is { } reason)
        {
            return reason;
        }

        for (var i = 1; chain is not null && i < chain.ChainElements.Count; i++)
        {
            if (Check(chain.ChainElements[i].Certificate, now, required: false) is { } intermediate)
            {
                return intermediate;
            }
        }

        return null;
    }

    private string? Check(X509Certificate2 certificate, DateTimeOffset now, bool required)
    {
        var issuer = certificate.IssuerName.RawData;
        var serial = Normalize(certificate.SerialNumberBytes.Span);
        var found = false;
        foreach (var list in _lists)
        {
            if (!list.Issuer.AsSpan().SequenceEqual(issuer))
            {
                continue;
            }

            found = true;
            if (list.NextUpdate is { } next && next < now)
            {
                return $"the caCrl list of \"{certificate.Issuer}\" has expired ({next:u})";
            }

            if (list.Serials.Contains(serial))
            {
                return $"certificate \"{certificate.Subject}\" (serial {serial}) is revoked by caCrl";
            }
        }

        return found || !required ? null : $"caCrl has no list of \"{certificate.Issuer}\", the certificate's issuer";
    }

    /// <summary>tbsCertList's issuer, nextUpdate and the serial numbers of revokedCertificates (RFC 5280 §5.1).</summary>
    private static Entry Parse(byte[] der)
    {
        var certificateList = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var tbs = certificateList.ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            tbs.ReadInteger(); // version
        }

        tbs.ReadSequence(); // signature algorithm
        var issuer = tbs.ReadEncodedValue().ToArray();
        ReadTime(tbs); // thisUpdate
        DateTimeOffset? nextUpdate = tbs.HasData && IsTime(tbs.PeekTag()) ? ReadTime(tbs) : null;
        var serials = new HashSet<string>(StringComparer.Ordinal);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var revoked = tbs.ReadSequence();
            while (revoked.HasData)
            {
                var entry = revoked.ReadSequence();
                serials.Add(Normalize(entry.ReadIntegerBytes().Span));
            }
        }

        return new Entry(issuer, nextUpdate, serials);
    }

    private static bool IsTime(Asn1Tag tag)
        => tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static DateTimeOffset ReadTime(AsnReader reader)
        => reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();

    /// <summary>A serial number as upper-case hex without leading zero bytes (DER may add one to keep it positive).</summary>
    private static string Normalize(ReadOnlySpan<byte> serial)
    {
        while (serial.Length > 1 && serial[0] == 0)
        {
            serial = serial[1..];
        }

        return Convert.ToHexString(serial);
    }
}
