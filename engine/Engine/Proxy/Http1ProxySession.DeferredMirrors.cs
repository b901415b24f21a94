using System.Buffers;
using Engine.Protocols.Http1;

namespace Engine.Proxy;

/// <summary>
/// Mirrors of a request whose body is still coming in. A copy carries the whole body, so it waits
/// for the body's end, as Envoy shadows a request once its body has been read (the body is kept in
/// the client's input for a retry anyway, up to the retry buffer, so the copy costs no second
/// buffer until it is taken). The pump that sends the body upstream dispatches them when it sees
/// the end; a body that never reached an upstream is looked at when the request is over. A body
/// past the retry buffer, or one that never ends, is not mirrored (counted as dropped), as Envoy's
/// buffered shadows gave up past its buffer limit (Envoy 1.33 and later stream them: not here yet).
/// </summary>
internal sealed partial class Http1ProxySession
{
    private bool _mirrorsPending;

    /// <summary>Sends the route's mirrors now when the request has all its body, or defers them to its end.</summary>
    private void DispatchOrDeferMirrors()
    {
        _mirrorsPending = false;
        if (_action!.Mirrors.Length > 0 && _request.HasBody && !BodyIsHere())
        {
            _mirrorsPending = true;
            return;
        }

        DispatchMirrors();
    }

    /// <summary>The deferred mirrors, once: called by a pump that saw the body end, and when the request is over.</summary>
    private void DispatchDeferredMirrors()
    {
        if (_mirrorsPending)
        {
            _mirrorsPending = false;
            DispatchMirrors(); // a body that is not whole now never will be: its copies are counted as dropped
        }
    }

    /// <summary>Whether a Content-Length body within the retry buffer has arrived whole (a chunked one waits for its pump).</summary>
    private bool BodyIsHere()
    {
        if (_request.Chunked || _request.ContentLength > _server.Options.MaxReplayBodyBytes || !TryReadKept(out var read))
        {
            return false;
        }

        var here = read.Buffer.Length >= _request.ContentLength;
        _input.AdvanceTo(read.Buffer.Start);
        return here;
    }

    /// <summary>
    /// A mirror's copy of the body: a chunked body, once a pump has seen it end while it was kept,
    /// as its raw bytes (trailers and all) for an HTTP/1.1 copy, or decoded for an HTTP/2 one; a
    /// Content-Length one as for a retry.
    /// </summary>
    private protected override bool TryPeekBodyToCopy(out ReadOnlySequence<byte> body, bool decoded)
    {
        if (!_request.Chunked)
        {
            return TryPeekWholeBody(out body);
        }

        body = default;
        if (_keptChunkedLength < 0 || _bodyConsumed || !TryReadKept(out var read))
        {
            return false;
        }

        var raw = read.Buffer.Slice(0, _keptChunkedLength);
        _peekStart = raw.Start;
        body = decoded ? new ReadOnlySequence<byte>(Decode(raw)) : raw;
        return true;
    }

    /// <summary>The data of a chunked body already checked whole by its pump (a copy, for a mirror).</summary>
    private static byte[] Decode(ReadOnlySequence<byte> raw)
    {
        var decoder = new ChunkedDecoder();
        var data = new ArrayBufferWriter<byte>((int)raw.Length);
        while (decoder.Decode(raw, out var piece, out var consumed, out _) == ChunkedDecodeStatus.Data)
        {
            foreach (var segment in piece)
            {
                data.Write(segment.Span);
            }

            raw = raw.Slice(consumed);
        }

        return data.WrittenSpan.ToArray();
    }
}
