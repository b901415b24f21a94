using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Engine.Interception;

/// <summary>
/// Reads the server name (SNI, RFC 6066 §3) and whether Istio's ALPN is offered from the ClientHello
/// a TLS client sends first, as Envoy's tls_inspector does for <c>tls[]</c> routes and inbound
/// filter chains, without consuming anything: the bytes go on
/// to the upstream untouched. The handshake message may span several records (RFC 8446 §5.1); a
/// ClientHello larger than <see cref="MaxBytes"/> is read no further.
/// </summary>
internal static class TlsClientHello
{
    /// <summary>Bytes looked at, at most: a ClientHello with post-quantum key shares is ~2 KB.</summary>
    public const int MaxBytes = 16 * 1024;

    private const byte HandshakeRecord = 22;
    private const byte ClientHelloMessage = 1;
    private const ushort ServerNameExtension = 0;
    private const ushort AlpnExtension = 16;
    private const byte HostName = 0;

    public enum Result
    {
        /// <summary>The bytes so far are a ClientHello's start: read more.</summary>
        NeedMore,

        /// <summary>A ClientHello, with or without a server name.</summary>
        Complete,

        /// <summary>Not TLS, not a ClientHello, or malformed.</summary>
        NotTls,
    }

    /// <summary>
    /// Looks at the start of a connection. <paramref name="serverName"/> is the host name the
    /// client asked for (lower-cased; null when it sent none) once the result is <see cref="Result.Complete"/>.
    /// </summary>
    public static Result TryRead(in ReadOnlySequence<byte> input, out string? serverName) => TryRead(input, out serverName, out _);

    /// <param name="offersIstio">The client offers an ALPN protocol of Istio's mesh (<c>istio</c>,
    /// <c>istio-http/1.1</c>, <c>istio-h2</c>…): a peer sidecar's ISTIO_MUTUAL, as Envoy's inbound
    /// filter chains tell it from an application's own TLS.</param>
    public static Result TryRead(in ReadOnlySequence<byte> input, out string? serverName, out bool offersIstio)
    {
        var length = (int)Math.Min(input.Length, MaxBytes);
        if (input.IsSingleSegment)
        {
            return TryRead(input.FirstSpan[..length], out serverName, out offersIstio);
        }

        var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            input.Slice(0, length).CopyTo(bytes);
            return TryRead(bytes.AsSpan(0, length), out serverName, out offersIstio);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    public static Result TryRead(ReadOnlySpan<byte> input, out string? serverName) => TryRead(input, out serverName, out _);

    public static Result TryRead(ReadOnlySpan<byte> input, out string? serverName, out bool offersIstio)
    {
        var capped = input.Length >= MaxBytes;
        input = input[..Math.Min(input.Length, MaxBytes)];
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(input.Length, 1));
        try
        {
            var result = TryRead(input, buffer, out serverName, out offersIstio);
            return result == Result.NeedMore && capped ? Result.NotTls : result; // too long to be a ClientHello we read
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Result TryRead(ReadOnlySpan<byte> input, Span<byte> handshake, out string? serverName, out bool offersIstio)
    {
        serverName = null;
        offersIstio = false;

        // Gather the handshake bytes from consecutive handshake records.
        var gathered = 0;
        var needed = -1; // the ClientHello's whole length, once its header is in
        while (needed < 0 || gathered < needed)
        {
            if (input.Length < 5)
            {
                return input.Length == 0 || input[0] == HandshakeRecord ? Result.NeedMore : Result.NotTls;
            }

            // Record header: type, legacy version 3.x, length (RFC 8446 §5.1).
            var recordLength = BinaryPrimitives.ReadUInt16BigEndian(input[3..]);
            if (input[0] != HandshakeRecord || input[1] != 3 || recordLength == 0 || recordLength > 16384 + 256)
            {
                return Result.NotTls;
            }

            if (input.Length < 5 + recordLength)
            {
                // A partial record: what arrived of it counts, if the message header is already here.
                var partial = input[5..];
                partial.CopyTo(handshake[gathered..]);
                return gathered + partial.Length >= 4 && handshake[0] != ClientHelloMessage ? Result.NotTls : Result.NeedMore;
            }

            input.Slice(5, recordLength).CopyTo(handshake[gathered..]);
            gathered += recordLength;
            input = input[(5 + recordLength)..];
            if (needed < 0 && gathered >= 4)
            {
                if (handshake[0] != ClientHelloMessage)
                {
                    return Result.NotTls;
                }

                needed = 4 + ((handshake[1] << 16) | (handshake[2] << 8) | handshake[3]);
                if (needed > MaxBytes)
                {
                    return Result.NotTls;
                }
            }
        }

        if (ParseClientHello(handshake[4..needed], out serverName, out offersIstio))
        {
            return Result.Complete;
        }

        // A name read before a damaged extension is not an answer: nothing from a message that is not one.
        (serverName, offersIstio) = (null, false);
        return Result.NotTls;
    }

    /// <summary>ClientHello body (RFC 8446 §4.1.2): version, random, session id, cipher suites, compression methods, extensions.</summary>
    private static bool ParseClientHello(ReadOnlySpan<byte> body, out string? serverName, out bool offersIstio)
    {
        serverName = null;
        offersIstio = false;
        var reader = new Reader(body);
        if (!reader.Skip(2 + 32) || !reader.SkipVector(1) || !reader.SkipVector(2) || !reader.SkipVector(1))
        {
            return false;
        }

        if (reader.AtEnd)
        {
            return true; // no extensions at all (an old client): no server name
        }

        if (!reader.Vector(2, out var extensions))
        {
            return false;
        }

        var list = new Reader(extensions);
        while (!list.AtEnd)
        {
            if (!list.UInt16(out var type) || !list.Vector(2, out var data))
            {
                return false;
            }

            if (type == ServerNameExtension && !TryServerName(data, out serverName))
            {
                return false;
            }

            if (type == AlpnExtension && !TryIstioAlpn(data, out offersIstio))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>application_layer_protocol_negotiation (RFC 7301 §3.1): a list of names; Istio's all start with "istio".</summary>
    private static bool TryIstioAlpn(ReadOnlySpan<byte> data, out bool offersIstio)
    {
        offersIstio = false;
        var reader = new Reader(data);
        if (!reader.Vector(2, out var names))
        {
            return false;
        }

        var list = new Reader(names);
        while (!list.AtEnd)
        {
            if (!list.Vector(1, out var name))
            {
                return false;
            }

            offersIstio |= name.StartsWith("istio"u8);
        }

        return true;
    }

    /// <summary>server_name: a list of (type, name); the host_name entry is the one that counts.</summary>
    private static bool TryServerName(ReadOnlySpan<byte> data, out string? serverName)
    {
        serverName = null;
        var reader = new Reader(data);
        if (!reader.Vector(2, out var names))
        {
            return false;
        }

        var list = new Reader(names);
        while (!list.AtEnd)
        {
            if (!list.Byte(out var type) || !list.Vector(2, out var name))
            {
                return false;
            }

            if (type == HostName)
            {
                // A DNS name in ASCII (RFC 6066 §3); anything else is refused, not guessed at.
                foreach (var b in name)
                {
                    if (b <= 0x20 || b >= 0x7f)
                    {
                        return false;
                    }
                }

                serverName = name.IsEmpty ? null : Encoding.ASCII.GetString(name).ToLowerInvariant().TrimEnd('.');
                return true;
            }
        }

        return true;
    }

    /// <summary>Bounds-checked big-endian reads over a span.</summary>
    private ref struct Reader
    {
        private ReadOnlySpan<byte> _rest;

        public Reader(ReadOnlySpan<byte> bytes) => _rest = bytes;

        public readonly bool AtEnd => _rest.IsEmpty;

        public bool Skip(int count)
        {
            if (_rest.Length < count)
            {
                return false;
            }

            _rest = _rest[count..];
            return true;
        }

        public bool Byte(out byte value)
        {
            value = _rest.IsEmpty ? (byte)0 : _rest[0];
            return Skip(1);
        }

        public bool UInt16(out ushort value)
        {
            value = _rest.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(_rest) : (ushort)0;
            return Skip(2);
        }

        /// <summary>A vector with a <paramref name="lengthBytes"/>-byte length prefix.</summary>
        public bool Vector(int lengthBytes, out ReadOnlySpan<byte> content)
        {
            content = default;
            if (_rest.Length < lengthBytes)
            {
                return false;
            }

            var length = lengthBytes == 1 ? _rest[0] : BinaryPrimitives.ReadUInt16BigEndian(_rest);
            if (_rest.Length < lengthBytes + length)
            {
                return false;
            }

            content = _rest.Slice(lengthBytes, length);
            _rest = _rest[(lengthBytes + length)..];
            return true;
        }

        public bool SkipVector(int lengthBytes) => Vector(lengthBytes, out _);
    }
}
