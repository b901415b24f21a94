using System.Buffers;
using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.Unicode;

namespace Engine.Telemetry.AccessLogs;

/// <summary>
/// Appends one access-log line to a byte array without allocating (the array grows, rarely, for
/// a line longer than any before it on this thread). Values come as bytes from the request
/// arena or as short ASCII/UTF-8 strings from the configuration.
/// </summary>
internal ref struct LineWriter
{
    /// <summary>Bytes a JSON string must escape: controls, DEL, quote and backslash (RFC 8259 §7).</summary>
    private static readonly SearchValues<byte> JsonEscapedUtf8 = SearchValues.Create(JsonEscapes(latin1: false));

    /// <summary>The same plus every byte ≥ 0x80, for values that are not UTF-8 (written as \u00XX, Latin-1).</summary>
    private static readonly SearchValues<byte> JsonEscapedLatin1 = SearchValues.Create(JsonEscapes(latin1: true));

    [ThreadStatic]
    private static byte[]? t_timestampPrefix;

    /// <summary>The second <see cref="t_timestampPrefix"/> shows, plus one (0: none yet).</summary>
    [ThreadStatic]
    private static long t_timestampSecond;

    private byte[] _buffer;
    private int _length;

    public LineWriter(byte[] buffer)
    {
        _buffer = buffer;
        _length = 0;
    }

    /// <summary>The array written into (a bigger one if the line outgrew the first).</summary>
    public readonly byte[] Buffer => _buffer;

    public readonly ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public void Write(byte value)
    {
        GetSpan(1)[0] = value;
        _length++;
    }

    public void Write(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>The bytes, or "-" when empty (Envoy's mark for an unset value).</summary>
    public void WriteOrDash(scoped ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            Write((byte)'-');
        }
        else
        {
            Write(bytes);
        }
    }

    public void WriteOrDash(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            Write((byte)'-');
            return;
        }

        var span = GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        _length += Encoding.UTF8.GetBytes(text, span);
    }

    public void WriteDecimal(long value)
    {
        Utf8Formatter.TryFormat(value, GetSpan(20), out var written);
        _length += written;
    }

    /// <summary>Envoy's START_TIME: <c>2024-06-02T13:24:57.930Z</c> (UTC, milliseconds).</summary>
    public void WriteTimestamp(DateTimeOffset time)
    {
        // Lines come in bursts within one second: the date and time up to the seconds are
        // formatted once per second per thread, and only the milliseconds per line.
        var ticks = time.UtcTicks;
        var second = ticks / TimeSpan.TicksPerSecond;
        var prefix = t_timestampPrefix;
        if (prefix is null || t_timestampSecond != second + 1)
        {
            prefix ??= new byte[20];
            var utc = time.UtcDateTime;
            var (year, month, day) = utc;
            Digits(prefix, year, 4);
            prefix[4] = (byte)'-';
            Digits(prefix.AsSpan(5), month, 2);
            prefix[7] = (byte)'-';
            Digits(prefix.AsSpan(8), day, 2);
            prefix[10] = (byte)'T';
            Digits(prefix.AsSpan(11), utc.Hour, 2);
            prefix[13] = (byte)':';
            Digits(prefix.AsSpan(14), utc.Minute, 2);
            prefix[16] = (byte)':';
            Digits(prefix.AsSpan(17), utc.Second, 2);
            prefix[19] = (byte)'.';
            t_timestampPrefix = prefix;
            t_timestampSecond = second + 1;
        }

        var span = GetSpan(24);
        prefix.CopyTo(span);
        Digits(span[20..], (int)(ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMillisecond), 3);
        span[23] = (byte)'Z';
        _length += 24;
    }

    /// <summary><c>1.2.3.4:80</c> or <c>[::1]:80</c>; "-" for anything that is not an IP endpoint.</summary>
    public void WriteEndPointOrDash(EndPoint? endpoint)
    {
        if (endpoint is not IPEndPoint ip)
        {
            Write((byte)'-');
            return;
        }

        var v6 = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (v6)
        {
            Write((byte)'[');
        }

        // 45 bytes hold the longest IPv6 text form (with a scope id it can be longer: retry bigger).
        var span = GetSpan(64);
        if (!ip.Address.TryFormat(span, out var written))
        {
            span = GetSpan(256);
            ip.Address.TryFormat(span, out written);
        }

        _length += written;
        if (v6)
        {
            Write((byte)']');
        }

        Write((byte)':');
        WriteDecimal(ip.Port);
    }

    /// <summary>
    /// A JSON string. Bytes that are valid UTF-8 are kept; a value that is not (HTTP allows
    /// obs-text) is read as Latin-1, so every line stays valid JSON. Runs without escapes are
    /// found with a vectorised search and copied whole.
    /// </summary>
    public void WriteJsonString(scoped ReadOnlySpan<byte> value)
    {
        var special = Utf8.IsValid(value) ? JsonEscapedUtf8 : JsonEscapedLatin1;
        Write((byte)'"');
        while (true)
        {
            var next = value.IndexOfAny(special);
            if (next < 0)
            {
                Write(value);
                break;
            }

            Write(value[..next]);
            WriteJsonEscape(value[next]);
            value = value[(next + 1)..];
        }

        Write((byte)'"');
    }

    /// <summary>A JSON string, or <c>null</c> when empty (Envoy's JSON for an unset value).</summary>
    public void WriteJsonStringOrNull(scoped ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            Write("null"u8);
        }
        else
        {
            WriteJsonString(value);
        }
    }

    public void WriteJsonStringOrNull(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            Write("null"u8);
            return;
        }

        Span<byte> utf8 = value.Length <= 512 ? stackalloc byte[value.Length * 3] : new byte[Encoding.UTF8.GetMaxByteCount(value.Length)];
        WriteJsonString(utf8[..Encoding.UTF8.GetBytes(value, utf8)]);
    }

    private void WriteJsonEscape(byte b)
    {
        switch (b)
        {
            case (byte)'"':
                Write("\\\""u8);
                break;
            case (byte)'\\':
                Write("\\\\"u8);
                break;
            case (byte)'\t':
                Write("\\t"u8);
                break;
            default:
                var span = GetSpan(6);
                "\\u00"u8.CopyTo(span);
                span[4] = Hex(b >> 4);
                span[5] = Hex(b & 0xF);
                _length += 6;
                break;
        }
    }

    private Span<byte> GetSpan(int size)
    {
        if (_length + size > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + size));
        }

        return _buffer.AsSpan(_length);
    }

    private static void Digits(Span<byte> destination, int value, int count)
    {
        for (var i = count - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    private static byte[] JsonEscapes(bool latin1)
        => Enumerable.Range(0, 256).Where(b => b < 0x20 || b == 0x7F || b == '"' || b == '\\' || (latin1 && b >= 0x80)).Select(b => (byte)b).ToArray();

    private static byte Hex(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
}
