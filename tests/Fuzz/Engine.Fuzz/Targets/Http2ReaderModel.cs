using System.Buffers;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;

namespace Engine.Fuzz.Targets;

/// <summary>
/// What a server connection's reader loop (engine/Engine/Http2/Http2Connection.Reader.cs) does with
/// frames after the preface, without sockets, locks or streams' work: first-frame rule, field block
/// contiguity and assembly, the empty-frame guard, SETTINGS, stream states and identifiers, and
/// every complete field block decoded — a new stream's into an <see cref="HttpRequestHead"/>, a
/// tracked stream's as trailers, the rest skipped — with the default limits. Each frame and block
/// leaves one line in <see cref="Events"/>; a connection error is the last line.
/// </summary>
internal sealed class Http2ReaderModel
{
    private static readonly Http2Limits Limits = Http2Limits.Default;

    private readonly HpackDecoder _decoder = new(Limits.HeaderTableSize);
    private readonly Http2HeaderBlockAssembler _assembler = new(Limits);
    private readonly HttpRequestHead _request = new();
    private readonly HttpTrailers _trailers = new();
    private readonly HttpTrailers _scratch = new();
    private readonly Dictionary<int, Http2StreamStateMachine> _streams = [];
    private Http2EmptyFrameGuard _emptyFrames = new(Limits);
    private Http2StreamIds _ids = new(isServer: true);
    private Http2Settings _peerSettings;
    private bool _settingsSeen;
    private int _blockStream;
    private BlockTarget _blockTarget;

    private enum BlockTarget
    {
        Skip,
        NewStream,
        Trailers,
    }

    public List<string> Events { get; } = [];

    public static int MaxFrameSize => Limits.MaxFrameSize;

    public void Reset()
    {
        _decoder.Reset();
        _assembler.Reset();
        _streams.Clear();
        _emptyFrames = new Http2EmptyFrameGuard(Limits);
        _ids = new Http2StreamIds(isServer: true);
        _peerSettings = new Http2Settings();
        _settingsSeen = false;
        Events.Clear();
    }

    /// <summary>One frame the reader returned (Frame or StreamError); a connection error, or None to go on.</summary>
    public Http2Error OnFrame(in Http2Frame frame, Http2Error streamError)
    {
        Events.Add($"{frame.Type} f={(byte)frame.Header.Flags:x2} s={frame.StreamId} len={frame.Length} pad={frame.PadLength} "
            + $"payload={Hash(frame.Payload)}/{frame.Payload.Length} err={streamError}");
        var error = CheckOrder(frame);
        if (error != Http2Error.None)
        {
            return error;
        }

        return frame.Type switch
        {
            Http2FrameType.Headers => OnHeaders(frame, streamError),
            Http2FrameType.Continuation => AddToBlock(frame),
            Http2FrameType.Settings when !frame.IsAck => _peerSettings.Apply(frame.Payload, receivedByClient: false, out _),
            Http2FrameType.Data or Http2FrameType.RstStream or Http2FrameType.WindowUpdate => OnStreamFrame(frame, streamError),
            _ => Http2Error.None,
        };
    }

    private Http2Error CheckOrder(in Http2Frame frame)
    {
        if (!_settingsSeen)
        {
            var first = Http2Preface.CheckFirstFrame(frame);
            if (first != Http2Error.None)
            {
                return first;
            }

            _settingsSeen = true;
        }

        var error = _assembler.CheckSequence(frame.Header);
        return error != Http2Error.None ? error : _emptyFrames.OnFrame(frame);
    }

    private Http2Error OnHeaders(in Http2Frame frame, Http2Error forcedError)
    {
        var error = _assembler.Add(frame);
        if (error != Http2Error.None)
        {
            return error;
        }

        _blockStream = frame.StreamId;
        _blockTarget = BlockTarget.Skip;
        if (_streams.TryGetValue(frame.StreamId, out var state))
        {
            var action = state.OnReceive(Http2FrameType.Headers, frame.EndStream, out error);
            if (action == Http2StreamAction.Process && forcedError == Http2Error.None)
            {
                _blockTarget = BlockTarget.Trailers;
            }
            else if (action != Http2StreamAction.Ignore)
            {
                ResetStream(ref state, error != Http2Error.None ? error : forcedError);
            }

            _streams[frame.StreamId] = state;
        }
        else
        {
            var verdict = _ids.OnUntrackedStream(Http2FrameType.Headers, frame.StreamId, out error);
            if (verdict == Http2StreamAction.Reject)
            {
                return error;
            }

            if (verdict == Http2StreamAction.Process && _streams.Count < Limits.MaxConcurrentStreams)
            {
                state = default;
                state.OnReceive(Http2FrameType.Headers, frame.EndStream, out _);
                if (forcedError == Http2Error.None)
                {
                    _blockTarget = BlockTarget.NewStream;
                }
                else
                {
                    ResetStream(ref state, forcedError);
                }

                _streams[frame.StreamId] = state;
            }
        }

        return _assembler.IsComplete ? FinishBlock() : Http2Error.None;
    }

    private Http2Error AddToBlock(in Http2Frame frame)
    {
        var error = _assembler.Add(frame);
        if (error != Http2Error.None)
        {
            return error;
        }

        return _assembler.IsComplete ? FinishBlock() : Http2Error.None;
    }

    private Http2Error FinishBlock()
    {
        var block = _assembler.Block;
        var endStream = _assembler.EndStream;
        Http2Error error;
        string picture;
        switch (_blockTarget)
        {
            case BlockTarget.NewStream:
                error = Http2HeadDecoder.DecodeRequest(_decoder, block, _request, Limits);
                CheckBounds(_request, RequestPseudoBytes(_request));
                picture = HeadPicture.Of(_request);
                break;
            case BlockTarget.Trailers:
                error = Http2HeadDecoder.DecodeTrailers(_decoder, block, _trailers, endStream, Limits);
                CheckBounds(_trailers, 0);
                picture = HeadPicture.Of(_trailers);
                break;
            default:
                error = Http2HeadDecoder.Skip(_decoder, block, _scratch);
                OracleViolation.Check(_scratch.HeaderCount == 0, "a skipped block added fields");
                picture = "";
                break;
        }

        OracleViolation.Check(_decoder.DynamicTableSize <= _decoder.DynamicTableMaxSize && _decoder.DynamicTableMaxSize <= Limits.HeaderTableSize, "dynamic table over its size");
        Events.Add($"block {_blockTarget} s={_blockStream} end={endStream} bytes={block.Length} err={error} {picture}");
        _assembler.Reset();
        if (error == Http2Error.None || Http2ErrorTable.IsConnectionError(error) || _blockTarget == BlockTarget.Skip)
        {
            return Http2ErrorTable.IsConnectionError(error) ? error : Http2Error.None;
        }

        // A malformed head or bad trailers reset the stream (RFC 9113 §8.1.1).
        var state = _streams[_blockStream];
        ResetStream(ref state, error);
        _streams[_blockStream] = state;
        return Http2Error.None;
    }

    private Http2Error OnStreamFrame(in Http2Frame frame, Http2Error streamError)
    {
        if (frame.StreamId == 0)
        {
            return Http2Error.None;
        }

        if (!_streams.TryGetValue(frame.StreamId, out var state))
        {
            var verdict = _ids.OnUntrackedStream(frame.Type, frame.StreamId, out var idError);
            return verdict == Http2StreamAction.Reject ? idError
                : streamError != Http2Error.None && verdict != Http2StreamAction.Ignore ? streamError : Http2Error.None;
        }

        var action = state.OnReceive(frame.Type, frame.EndStream, out var error);
        if (action == Http2StreamAction.Reject || (action == Http2StreamAction.Process && streamError != Http2Error.None))
        {
            ResetStream(ref state, error != Http2Error.None ? error : streamError);
        }

        _streams[frame.StreamId] = state;
        return Http2Error.None;
    }

    private void ResetStream(ref Http2StreamStateMachine state, Http2Error error)
    {
        Events.Add($"reset {error}");
        if (state.State != Http2StreamState.Idle && !(state.State == Http2StreamState.Closed && state.ResetLocally))
        {
            state.OnSend(Http2FrameType.RstStream, endStream: false);
        }
    }

    /// <summary>Decoded header lists stay within the limits whatever the block references (HPACK bomb).</summary>
    private static void CheckBounds(HttpHead head, int pseudoBytes)
    {
        OracleViolation.Check(head.HeaderCount <= Limits.MaxHeaderCount, $"{head.HeaderCount} fields decoded, limit {Limits.MaxHeaderCount}");
        long bytes = pseudoBytes;
        foreach (var field in head.Headers)
        {
            bytes += field.Name.Length + field.Value.Length;
        }

        OracleViolation.Check(bytes <= Limits.MaxHeaderListBytes, $"{bytes} decoded field bytes, limit {Limits.MaxHeaderListBytes}");
    }

    private static int RequestPseudoBytes(HttpRequestHead head) => head.MethodBytes.Length + head.Scheme.Length + head.Path.Length;

    private static string Hash(in ReadOnlySequence<byte> payload)
    {
        var hash = 14695981039346656037UL;
        foreach (var segment in payload)
        {
            foreach (var b in segment.Span)
            {
                hash = (hash ^ b) * 1099511628211UL;
            }
        }

        return hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }
}
