using System.Buffers.Binary;

namespace Engine.Protocols.Http2;

/// <summary>
/// The 9-octet frame header (RFC 9113 §4.1):
/// <code>
/// +-----------------------------------------------+
/// |                 Length (24)                   |
/// +---------------+---------------+---------------+
/// |   Type (8)    |   Flags (8)   |
/// +-+-------------+---------------+-------------------------------+
/// |R|                 Stream Identifier (31)                      |
/// +=+=============================================================+
/// </code>
/// The reserved bit R MUST be ignored on receipt and sent as 0.
/// </summary>
public readonly record struct Http2FrameHeader(int Length, Http2FrameType Type, Http2FrameFlags Flags, int StreamId)
{
    public const int Size = 9;

    /// <summary>Largest payload the 24-bit length can carry (and SETTINGS_MAX_FRAME_SIZE's upper bound, §6.5.2).</summary>
    public const int MaxLength = (1 << 24) - 1;

    /// <summary>Reads a header from the first <see cref="Size"/> bytes, dropping the reserved bit.</summary>
    public static Http2FrameHeader Read(ReadOnlySpan<byte> source)
    {
        var length = (source[0] << 16) | (source[1] << 8) | source[2];
        var streamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(source[5..]) & 0x7FFF_FFFF);
        return new Http2FrameHeader(length, (Http2FrameType)source[3], (Http2FrameFlags)source[4], streamId);
    }

    /// <summary>Writes the header into the first <see cref="Size"/> bytes.</summary>
    public void Write(Span<byte> destination)
    {
        if ((uint)Length > MaxLength || StreamId < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(destination), "Frame length or stream id out of range.");
        }

        destination[0] = (byte)(Length >> 16);
        destination[1] = (byte)(Length >> 8);
        destination[2] = (byte)Length;
        destination[3] = (byte)Type;
        destination[4] = (byte)Flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)StreamId);
    }

    public bool HasFlag(Http2FrameFlags flag) => (Flags & flag) != 0;
}
