using System.Buffers.Text;

namespace Engine.Routing.Policies;

/// <summary>
/// The grpc-timeout request header (gRPC over HTTP/2, "Requests"): TimeoutValue, at most 99999999,
/// then TimeoutUnit, one of H M S m u n. Read and written the way Envoy's Grpc::Common does, in
/// whole milliseconds, since route timeouts are milliseconds.
/// </summary>
internal static class GrpcTimeout
{
    /// <summary>The spec's "at most 8 digits".</summary>
    private const long MaxValue = 99_999_999;

    /// <summary>
    /// The deadline in milliseconds, or false for a malformed value (then the header is ignored, as
    /// Envoy ignores it). Micro- and nanoseconds round up, so a deadline never becomes shorter
    /// than the caller asked, and a sub-millisecond one does not become 0 (which means "none").
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out long milliseconds)
    {
        milliseconds = 0;
        // Envoy checks the number, not the digit count: "000000001m" passes, 100000000m does not.
        if (value.Length is < 2 or > 19)
        {
            return false;
        }

        var digits = value[..^1];
        long amount = 0;
        foreach (var b in digits)
        {
            if ((uint)(b - '0') > 9)
            {
                return false;
            }

            amount = (amount * 10) + (b - '0');
        }

        if (amount > MaxValue)
        {
            return false;
        }

        switch (value[^1])
        {
            case (byte)'H':
                milliseconds = amount * 3_600_000;
                return true;
            case (byte)'M':
                milliseconds = amount * 60_000;
                return true;
            case (byte)'S':
                milliseconds = amount * 1_000;
                return true;
            case (byte)'m':
                milliseconds = amount;
                return true;
            case (byte)'u':
                milliseconds = (amount + 999) / 1_000;
                return true;
            case (byte)'n':
                milliseconds = (amount + 999_999) / 1_000_000;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Longest value <see cref="Format"/> writes: 8 digits and a unit.</summary>
    public const int MaxFormattedLength = 9;

    /// <summary>
    /// Writes <paramref name="milliseconds"/> as Envoy's toGrpcTimeout does: in milliseconds when
    /// that fits in 8 digits, else in the smallest of S, M, H that does (clipped at 99999999H).
    /// Returns the length written into <paramref name="destination"/> (at least <see cref="MaxFormattedLength"/> long).
    /// </summary>
    public static int Format(long milliseconds, Span<byte> destination)
    {
        var amount = milliseconds;
        var unit = (byte)'m';
        if (amount > MaxValue)
        {
            amount /= 1_000;
            unit = (byte)'S';
        }

        while (amount > MaxValue)
        {
            if (unit == (byte)'H')
            {
                amount = MaxValue;
                break;
            }

            amount /= 60;
            unit = unit == (byte)'S' ? (byte)'M' : (byte)'H';
        }

        Utf8Formatter.TryFormat(amount, destination, out var length);
        destination[length] = unit;
        return length + 1;
    }
}
