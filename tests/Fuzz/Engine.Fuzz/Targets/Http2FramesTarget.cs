using System.Buffers;
using Engine.Protocols.Http2;

namespace Engine.Fuzz.Targets;

/// <summary>
/// The bytes a client sends after the connection preface, fed to <see cref="Http2FrameReader"/> as
/// the connection's pipe feeds it (unconsumed bytes stay at the front of the next read) and acted on
/// as the reader loop does (<see cref="Http2ReaderModel"/>: CONTINUATION assembly, HPACK into
/// <see cref="Engine.Protocols.Http.HttpRequestHead"/> with the default limits). Oracles: the same
/// frames, verdicts and decoded heads, in the same order, for one read, one byte per segment, and
/// input-derived random reads cut into random segments; a frame is consumed exactly to its declared
/// length and its payload lies inside it; "incomplete" only when the frame is not all there; decoded
/// lists within the limits.
/// </summary>
internal sealed class Http2FramesTarget : IFuzzTarget
{
    /// <summary>Several frames of the largest size (16 KiB) fit; longer inputs only cost time per execution.</summary>
    private const int MaxInput = 96 * 1024;

    private readonly Http2ReaderModel _model = new();

    public string Name => "h2frames";

    public string Description => "HTTP/2 frame reader + CONTINUATION assembly + HPACK into request heads: read splits, exact lengths, limits";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length > MaxInput)
        {
            input = input[..MaxInput];
        }

        var data = input.ToArray();
        var whole = Read(data, [data.Length], segmentLengths: null);
        var byteSegments = Read(data, [data.Length], Enumerable.Repeat(1, data.Length).ToArray());
        var randomReads = Read(data, Segments.ReadSizes(input, 300), Segments.ReadSizes(input[..(input.Length / 2)], 13));
        Same(whole, byteSegments, "one byte per segment");
        Same(whole, randomReads, "random reads and segments");
    }

    private static void Same(List<string> expected, List<string> actual, string how)
    {
        for (var i = 0; i < Math.Min(expected.Count, actual.Count); i++)
        {
            OracleViolation.Equal(expected[i], actual[i], $"event {i}, {how}");
        }

        OracleViolation.Equal(expected.Count, actual.Count, "events, " + how);
    }

    /// <summary>Feeds <paramref name="data"/> in reads of the given sizes, each read's unconsumed bytes cut into segments when given.</summary>
    private List<string> Read(byte[] data, int[] reads, int[]? segmentLengths)
    {
        _model.Reset();
        var consumedTotal = 0;
        var available = 0;
        for (var read = 0; ; read++)
        {
            available = Math.Min(data.Length, available + (read < reads.Length ? reads[read] : data.Length));
            var bytes = data.AsMemory(consumedTotal, available - consumedTotal);
            var buffer = segmentLengths is null ? new ReadOnlySequence<byte>(bytes) : Segments.Cut(bytes, segmentLengths);
            while (true)
            {
                var status = Http2FrameReader.TryReadFrame(buffer, Http2ReaderModel.MaxFrameSize, out var frame, out var consumed, out var error);
                var consumedBytes = Segments.Offset(buffer, consumed);
                if (status is Http2ReadStatus.Incomplete or Http2ReadStatus.ConnectionError)
                {
                    OracleViolation.Equal(0L, consumedBytes, $"{status} consumed");
                    if (status == Http2ReadStatus.Incomplete)
                    {
                        OracleViolation.Check(error == Http2Error.None, "Incomplete with an error");
                        OracleViolation.Check(buffer.Length < Http2FrameHeader.Size || buffer.Length < Http2FrameHeader.Size + DeclaredLength(buffer), "Incomplete with the whole frame there");
                        break;
                    }

                    OracleViolation.Check(Http2ErrorTable.IsConnectionError(error), $"ConnectionError status with {error}");
                    _model.Events.Add($"connection error {error}");
                    return _model.Events;
                }

                CheckFrame(buffer, frame, consumedBytes, status, error);
                var verdict = _model.OnFrame(frame, error);
                if (verdict != Http2Error.None)
                {
                    OracleViolation.Check(Http2ErrorTable.IsConnectionError(verdict), $"connection verdict {verdict} is not a connection error");
                    _model.Events.Add($"connection error {verdict}");
                    return _model.Events;
                }

                consumedTotal += (int)consumedBytes;
                buffer = buffer.Slice(consumed);
            }

            if (available == data.Length)
            {
                _model.Events.Add($"end, {data.Length - consumedTotal} bytes unread");
                return _model.Events;
            }
        }
    }

    /// <summary>A frame takes exactly its declared length, and its payload lies inside it (padding and fixed fields outside).</summary>
    private static void CheckFrame(in ReadOnlySequence<byte> buffer, in Http2Frame frame, long consumed, Http2ReadStatus status, Http2Error error)
    {
        OracleViolation.Check((status == Http2ReadStatus.StreamError) == (error != Http2Error.None), $"{status} with {error}");
        OracleViolation.Check(error == Http2Error.None || !Http2ErrorTable.IsConnectionError(error), $"StreamError status with connection error {error}");
        OracleViolation.Equal((long)Http2FrameHeader.Size + frame.Length, consumed, "frame consumed");
        OracleViolation.Equal(DeclaredLength(buffer), frame.Length, "frame length");
        OracleViolation.Check(frame.Length <= Http2ReaderModel.MaxFrameSize, "frame over SETTINGS_MAX_FRAME_SIZE accepted");
        var padded = frame.Header.HasFlag(Http2FrameFlags.Padded) ? 1 : 0;
        var priority = frame.Type == Http2FrameType.Headers && frame.Header.HasFlag(Http2FrameFlags.Priority) ? 5 : 0;
        if (frame.Type is Http2FrameType.Data or Http2FrameType.Headers && error == Http2Error.None)
        {
            OracleViolation.Equal(frame.Length, padded + priority + (int)frame.Payload.Length + frame.PadLength, "payload + padding + fixed fields");
        }

        if (frame.Payload.IsEmpty)
        {
            return;
        }

        var start = Segments.Offset(buffer, frame.Payload.Start);
        var end = start + frame.Payload.Length;
        OracleViolation.Check(start >= Http2FrameHeader.Size && end <= consumed, $"payload [{start}, {end}) outside the frame [9, {consumed})");
        if (frame.Type is Http2FrameType.Data or Http2FrameType.Headers)
        {
            OracleViolation.Equal((long)Http2FrameHeader.Size + padded + priority, start, "payload start");
        }
    }

    private static int DeclaredLength(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> length = stackalloc byte[3];
        buffer.Slice(0, 3).CopyTo(length);
        return (length[0] << 16) | (length[1] << 8) | length[2];
    }
}
