using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Engine.Upstream.Tls;

/// <summary>
/// DestinationRule <c>tls.caCrl</c>: the certificate revocation lists (RFC 5280 §5, PEM "X509 CRL"
/// blocks or one DER list) a server certificate is checked against, as Envoy checks its
/// <c>crl</c>: the certificate's issuer must have a list here (without one the certificate cannot
/// be checked, and is refused, as BoringSSL's CRL check does), the list must not be past its next
/// update, must be signed by that issuer (the next certificate of the chain), and must not name the
/// certificate's serial number. Intermediates of the chain are checked against the lists of their
/// issuers when the file has them. Signatures: RSA (PKCS#1 v1.5) and ECDSA with SHA-1/256/384/512.
/// </summary>
internal sealed class RevocationList
{
    private readonly List<Entry> _lists;

    private RevocationList(List<Entry> lists) => _lists = lists;

    private sealed record Entry(byte[] Issuer, DateTimeOffset? NextUpdate, HashSet<string> Serials, byte[] Signed, string SignatureAlgorithm, byte[] Signature);

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
        var count = chain?.ChainElements.Count ?? 0;
        if (Check(leaf, count > 1 ? chain!.ChainElements[1].Certificate : null, now, required: true) is { } reason)
        {
            return reason;
        }

        for (var i = 1; i < count - 1; i++)
        {
            if (Check(chain!.ChainElements[i].Certificate, chain.ChainElements[i + 1].Certificate, now, required: false) is { } intermediate)
            {
                return intermediate;
            }
        }

        return null;
    }

    private string? Check(X509Certificate2 certificate, X509Certificate2? issuerCertificate, DateTimeOffset now, bool required)
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
            if (issuerCertificate is null || !SignedBy(list, issuerCertificate))
            {
                return $"the caCrl list of \"{certificate.Issuer}\" is not signed by the certificate's issuer";
            }

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

    /// <summary>Whether <paramref name="issuer"/>'s key signed the list.</summary>
    private static bool SignedBy(Entry list, X509Certificate2 issuer)
    {
        var (hash, rsa) = list.SignatureAlgorithm switch
        {
            "1.2.840.113549.1.1.5" => (HashAlgorithmName.SHA1, true),
            "1.2.840.113549.1.1.11" => (HashAlgorithmName.SHA256, true),
            "1.2.840.113549.1.1.12" => (HashAlgorithmName.SHA384, true),
            "1.2.840.113549.1.1.13" => (HashAlgorithmName.SHA512, true),
            "1.2.840.10045.4.1" => (HashAlgorithmName.SHA1, false),
            "1.2.840.10045.4.3.2" => (HashAlgorithmName.SHA256, false),
            "1.2.840.10045.4.3.3" => (HashAlgorithmName.SHA384, false),
            "1.2.840.10045.4.3.4" => (HashAlgorithmName.SHA512, false),
            _ => (default(HashAlgorithmName), false),
        };
        if (hash.Name is null)
        {
            return false; // an algorithm not verified here: the list cannot be trusted
        }

        if (rsa)
        {
            using var key = issuer.GetRSAPublicKey();
            return key is not null && key.VerifyData(list.Signed, list.Signature, hash, RSASignaturePadding.Pkcs1);
        }

        using var ecdsa = issuer.GetECDsaPublicKey();
        return ecdsa is not null && ecdsa.VerifyData(list.Signed, list.Signature, hash, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <summary>tbsCertList's issuer, nextUpdate and the serial numbers of revokedCertificates (RFC 5280 §5.1), with what was signed and the signature.</summary>
    private static Entry Parse(byte[] der)
    {
        var certificateList = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var signed = certificateList.ReadEncodedValue().ToArray();
        var algorithm = certificateList.ReadSequence().ReadObjectIdentifier();
        var signature = certificateList.ReadBitString(out _);
        var tbs = new AsnReader(signed, AsnEncodingRules.DER).ReadSequence();
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

        return new Entry(issuer, nextUpdate, serials, signed, algorithm, signature);
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
