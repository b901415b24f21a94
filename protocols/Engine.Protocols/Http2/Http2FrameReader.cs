using System.Buffers;
using System.Buffers.Binary;

namespace Engine.Protocols.Http2;

/// <summary>
/// Reads one frame from the front of the connection's input and checks everything the frame shows
/// on its own (RFC 9113 §4, §6): size against our SETTINGS_MAX_FRAME_SIZE, the stream identifier
/// its type requires, fixed lengths, padding, SETTINGS values, a zero WINDOW_UPDATE. Rules that need
/// the connection's state — stream states (§5.1), field block contiguity (§6.10), flow control — are
/// <see cref="Http2StreamStateMachine"/>, <see cref="Http2StreamIds"/>,
/// <see cref="Http2HeaderBlockAssembler"/> and the window types. Pure and allocation-free; the
/// payload is a slice of the input, never copied.
/// </summary>
public static class Http2FrameReader
{
    private const int PriorityFieldsLength = 5;

    /// <summary>The longest run of fixed fields at the start of a payload: GOAWAY's and PING's 8 octets.</summary>
    private const int FixedFieldsMax = 8;

    /// <summary>
    /// Parses the frame at the start of <paramref name="buffer"/>; see <see cref="Http2ReadStatus"/>
    /// for the outcomes. A connection error is reported as soon as the header shows it, without
    /// waiting for the payload (an oversized frame is never buffered). <paramref name="consumed"/> is
    /// past the frame for <see cref="Http2ReadStatus.Frame"/> and <see cref="Http2ReadStatus.StreamError"/>,
    /// else the buffer's start.
    /// </summary>
    public static Http2ReadStatus TryReadFrame(
        in ReadOnlySequence<byte> buffer,
        int maxFrameSize,
        out Http2Frame frame,
        out SequencePosition consumed,
        out Http2Error error)
    {
        consumed = buffer.Start;
        frame = default;
        var first = buffer.FirstSpan;
        Http2FrameHeader header;
        if (first.Length >= Http2FrameHeader.Size)
        {
            header = Http2FrameHeader.Read(first);
        }
        else if (buffer.Length >= Http2FrameHeader.Size)
        {
            header = ReadSplitHeader(buffer);
        }
        else
        {
            error = Http2Error.None;
            return Http2ReadStatus.Incomplete;
        }

        // §4.2: larger than SETTINGS_MAX_FRAME_SIZE MUST be FRAME_SIZE_ERROR; we make it a connection
        // error for every type (§5.4: a stream error may always be treated as a connection error).
        error = header.Length > maxFrameSize ? Http2Error.FrameTooLarge : CheckHeader(header);
        if (error != Http2Error.None)
        {
            frame = new Http2Frame { Header = header };
            return Http2ReadStatus.ConnectionError;
        }

        var total = Http2FrameHeader.Size + header.Length;
        if (first.Length < total && buffer.Length < total)
        {
            return Http2ReadStatus.Incomplete;
        }

        // The fixed fields (at most 8 octets) straight from the first segment, or copied when the
        // frame straddles segments.
        var payload = buffer.Slice(Http2FrameHeader.Size, header.Length);
        error = first.Length >= total
            ? ReadPayload(header, payload, first.Slice(Http2FrameHeader.Size, header.Length), out frame)
            : ReadSplitPayload(header, payload, out frame);
        if (error != Http2Error.None && Http2ErrorTable.IsConnectionError(error))
        {
            return Http2ReadStatus.ConnectionError;
        }

        consumed = payload.End;
        return error == Http2Error.None ? Http2ReadStatus.Frame : Http2ReadStatus.StreamError;
    }

    /// <summary>A header that straddles segments (rare: kept out of the main path, with its copy).</summary>
    private static Http2FrameHeader ReadSplitHeader(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> bytes = stackalloc byte[Http2FrameHeader.Size];
        buffer.Slice(0, Http2FrameHeader.Size).CopyTo(bytes);
        return Http2FrameHeader.Read(bytes);
    }

    /// <summary>A frame that straddles segments: its fixed fields (at most 8 octets) are copied first.</summary>
    private static Http2Error ReadSplitPayload(Http2FrameHeader header, in ReadOnlySequence<byte> payload, out Http2Frame frame)
    {
        Span<byte> fields = stackalloc byte[FixedFieldsMax];
        var copied = (int)Math.Min(payload.Length, FixedFieldsMax);
        payload.Slice(0, copied).CopyTo(fields);
        return ReadPayload(header, payload, fields[..copied], out frame);
    }

    /// <summary>The rules the 9-octet header alone decides; all are connection errors.</summary>
    private static Http2Error CheckHeader(Http2FrameHeader header) => header.Type switch
    {
        // §6.1, §6.2, §6.10: frames of a stream MUST NOT use stream 0.
        Http2FrameType.Data when header.StreamId == 0 => Http2Error.DataOnStreamZero,
        Http2FrameType.Headers when header.StreamId == 0 => Http2Error.HeadersOnStreamZero,
        Http2FrameType.Continuation when header.StreamId == 0 => Http2Error.ContinuationOnStreamZero,

        // §6.2: with PRIORITY the payload holds at least the 5 priority octets (and the pad length).
        Http2FrameType.Headers when header.HasFlag(Http2FrameFlags.Priority)
            && header.Length < PriorityFieldsLength + (header.HasFlag(Http2FrameFlags.Padded) ? 1 : 0) => Http2Error.HeadersTooShortForPriority,
        Http2FrameType.Data or Http2FrameType.Headers when header.HasFlag(Http2FrameFlags.Padded) && header.Length < 1
            => Http2Error.PaddedFrameTooShort,

        // §6.3: PRIORITY on stream 0 is a connection error; a wrong length only a stream error (below).
        Http2FrameType.Priority when header.StreamId == 0 => Http2Error.PriorityOnStreamZero,

        // §6.4: stream 0 → PROTOCOL_ERROR; length other than 4 → FRAME_SIZE_ERROR.
        Http2FrameType.RstStream when header.StreamId == 0 => Http2Error.RstStreamOnStreamZero,
        Http2FrameType.RstStream when header.Length != 4 => Http2Error.RstStreamLength,

        // §6.5: stream 0 only; an ACK is empty; otherwise a multiple of 6 octets.
        Http2FrameType.Settings when header.StreamId != 0 => Http2Error.SettingsOnStream,
        Http2FrameType.Settings when header.HasFlag(Http2FrameFlags.Ack) && header.Length != 0 => Http2Error.SettingsAckWithPayload,
        Http2FrameType.Settings when header.Length % Http2Setting.Size != 0 => Http2Error.SettingsLength,

        // §6.6, §8.4: we never enable push, and a client cannot push, so PUSH_PROMISE is always an error.
        Http2FrameType.PushPromise => Http2Error.PushPromiseReceived,

        // §6.7: stream 0 only; exactly 8 octets.
        Http2FrameType.Ping when header.StreamId != 0 => Http2Error.PingOnStream,
        Http2FrameType.Ping when header.Length != 8 => Http2Error.PingLength,

        // §6.8: stream 0 only; at least last-stream-id and error code.
        Http2FrameType.GoAway when header.StreamId != 0 => Http2Error.GoAwayOnStream,
        Http2FrameType.GoAway when header.Length < 8 => Http2Error.GoAwayLength,

        // §6.9: exactly 4 octets, any stream.
        Http2FrameType.WindowUpdate when header.Length != 4 => Http2Error.WindowUpdateLength,
        _ => Http2Error.None,
    };

    private static Http2Error ReadPayload(Http2FrameHeader header, ReadOnlySequence<byte> payload, ReadOnlySpan<byte> fields, out Http2Frame frame)
    {
        switch (header.Type)
        {
            case Http2FrameType.Data:
                return ReadPadded(header, payload, fields, priorityLength: 0, out frame);
            case Http2FrameType.Headers:
                return ReadPadded(header, payload, fields, header.HasFlag(Http2FrameFlags.Priority) ? PriorityFieldsLength : 0, out frame);
            case Http2FrameType.Priority:
                // §6.3: a length other than 5 is a stream error FRAME_SIZE_ERROR.
                if (header.Length != PriorityFieldsLength)
                {
                    frame = new Http2Frame { Header = header };
                    return Http2Error.PriorityLength;
                }

                var dependency = BinaryPrimitives.ReadUInt32BigEndian(fields);
                frame = new Http2Frame
                {
                    Header = header,
                    StreamDependency = (int)(dependency & 0x7FFF_FFFF),
                    Exclusive = (dependency & 0x8000_0000) != 0,
                    Weight = fields[4],
                };
                return frame.StreamDependency == header.StreamId ? Http2Error.StreamDependsOnItself : Http2Error.None;
            case Http2FrameType.RstStream:
                frame = new Http2Frame { Header = header, ErrorCode = (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(fields) };
                return Http2Error.None;
            case Http2FrameType.Settings:
                frame = new Http2Frame { Header = header, Payload = payload };
                foreach (var setting in frame.Settings)
                {
                    var error = Http2Settings.Validate(setting);
                    if (error != Http2Error.None)
                    {
                        return error;
                    }
                }

                return Http2Error.None;
            case Http2FrameType.Ping:
                frame = new Http2Frame { Header = header, PingData = BinaryPrimitives.ReadUInt64BigEndian(fields) };
                return Http2Error.None;
            case Http2FrameType.GoAway:
                frame = new Http2Frame
                {
                    Header = header,
                    LastStreamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(fields) & 0x7FFF_FFFF),
                    ErrorCode = (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(fields[4..]),
                    Payload = payload.Slice(8),
                };
                return Http2Error.None;
            case Http2FrameType.WindowUpdate:
                // §6.9: the reserved bit is ignored; an increment of 0 MUST be a stream error, or a
                // connection error when it is for the connection window.
                var increment = (int)(BinaryPrimitives.ReadUInt32BigEndian(fields) & 0x7FFF_FFFF);
                frame = new Http2Frame { Header = header, WindowIncrement = increment };
                return increment != 0 ? Http2Error.None
                    : header.StreamId == 0 ? Http2Error.WindowUpdateZeroOnConnection : Http2Error.WindowUpdateZeroOnStream;
            default:
                frame = new Http2Frame { Header = header, Payload = payload };
                return Http2Error.None;
        }
    }

    /// <summary>
    /// DATA and HEADERS: [Pad Length] [priority fields] fragment [padding]. §6.1/§6.2: padding that
    /// leaves no room for the fragment (or more) MUST be a connection error PROTOCOL_ERROR; a HEADERS
    /// frame that depends on its own stream is a stream error (§5.3.1).
    /// </summary>
    private static Http2Error ReadPadded(Http2FrameHeader header, ReadOnlySequence<byte> payload, ReadOnlySpan<byte> fields, int priorityLength, out Http2Frame frame)
    {
        var padLength = 0;
        var start = 0;
        if (header.HasFlag(Http2FrameFlags.Padded))
        {
            padLength = fields[0];
            start = 1;
        }

        if (padLength > header.Length - start - priorityLength)
        {
            frame = new Http2Frame { Header = header };
            return Http2Error.PaddingTooLong;
        }

        uint dependency = 0;
        byte weight = 0;
        if (priorityLength != 0)
        {
            dependency = BinaryPrimitives.ReadUInt32BigEndian(fields[start..]);
            weight = fields[start + 4];
            start += priorityLength;
        }

        frame = new Http2Frame
        {
            Header = header,
            Payload = start == 0 && padLength == 0 ? payload : payload.Slice(start, header.Length - start - padLength),
            PadLength = padLength,
            StreamDependency = (int)(dependency & 0x7FFF_FFFF),
            Exclusive = (dependency & 0x8000_0000) != 0,
            Weight = weight,
        };
        return priorityLength != 0 && frame.StreamDependency == header.StreamId ? Http2Error.StreamDependsOnItself : Http2Error.None;
    }
}
