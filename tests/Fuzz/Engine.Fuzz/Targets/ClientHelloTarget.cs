using System.Buffers;
using Engine.Interception;

namespace Engine.Fuzz.Targets;

/// <summary>
/// <see cref="TlsClientHello"/> on the first bytes of a connection, as the outbound listener reads
/// them for <c>tls[]</c> routes and the inbound one for Istio mTLS (untrusted input on both).
/// Oracles: no exception; a server name or Istio's ALPN only from a Complete ClientHello; a name is
/// printable lower-case ASCII; the same answer whole and one byte per segment; a prefix is never
/// Complete with a different answer nor NotTls where the whole is a ClientHello.
/// </summary>
internal sealed class ClientHelloTarget : IFuzzTarget
{
    public string Name => "clienthello";

    public string Description => "TLS ClientHello reader (SNI, Istio ALPN): answers only from a whole hello, same for any segmentation";

    public void Run(ReadOnlySpan<byte> input)
    {
        var whole = TlsClientHello.TryRead(input, out var name, out var istio);
        OracleViolation.Check(whole == TlsClientHello.Result.Complete || (name is null && !istio), "a name or ALPN from something that is not a whole ClientHello");
        OracleViolation.Check(name is null || name.All(c => c > ' ' && c < 0x7f && !char.IsUpper(c)), $"server name '{name}' is not lower-case printable ASCII");

        var bytes = input.ToArray();
        var split = TlsClientHello.TryRead(Segments.OneBytePerSegment(bytes), out var splitName, out var splitIstio);
        OracleViolation.Check(split == whole && splitName == name && splitIstio == istio, "one byte per segment read differently");

        if (whole == TlsClientHello.Result.Complete && input.Length > 1)
        {
            var prefix = TlsClientHello.TryRead(input[..(input.Length / 2)], out var prefixName, out _);
            OracleViolation.Check(prefix != TlsClientHello.Result.NotTls || input.Length >= TlsClientHello.MaxBytes, "half of a ClientHello was called not TLS");
            OracleViolation.Check(prefix != TlsClientHello.Result.Complete || (prefixName is null || prefixName == name), "half of the hello named another server");
        }
    }
}
