using System.IO.Pipelines;
using Engine.Protocols.Http1;
using Engine.Upstream;

namespace Engine.Proxy;

/// <summary>Reading an HTTP/1.1 upstream's response head, one read at a time (both attempt loops use it).</summary>
internal abstract partial class ProxyExchange
{
    /// <summary>Interim (1xx) heads of the current attempt; reset when its request head is written.</summary>
    private protected int _informational;

    private protected enum HeadStep
    {
        NeedMore,
        Final,
        Failed,
    }

    /// <summary>Parses what arrived of the response head into <see cref="_response"/>; 1xx heads are skipped.</summary>
    private protected HeadStep ReadResponseHead(UpstreamConnection upstream, in ReadResult read, ref ForwardError error)
    {
        var buffer = read.Buffer;
        var status = upstream.RequestsServed == 0
            ? Http1ResponseParser.TryParseResponse(buffer, _response, _limits, out var consumed, out _)
            : Http1ResponseParser.TryParseResponse(buffer, _response, _limits, upstream.ResponseHeads, out consumed, out _);
        if (status == Http1ParseStatus.Error)
        {
            upstream.Input.AdvanceTo(buffer.End);
            _flags |= ResponseFlags.UpstreamProtocolError;
            error = ForwardError.UpstreamProtocolError;
            return HeadStep.Failed;
        }

        if (status == Http1ParseStatus.Incomplete)
        {
            upstream.Input.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted || read.IsCanceled)
            {
                _flags |= ResponseFlags.UpstreamConnectionTermination;
                error = ForwardError.UpstreamResetBeforeResponse;
                return HeadStep.Failed;
            }

            return HeadStep.NeedMore;
        }

        upstream.Input.AdvanceTo(consumed);
        if (_response.StatusCode >= 200 || (_response.StatusCode == 101 && UpgradeForwarded))
        {
            return HeadStep.Final;
        }

        // 1xx: 100 Continue was answered by us already; 101 cannot happen unless a WebSocket
        // upgrade was forwarded, so it is a protocol error; the rest are capped (robustness.md §1.6).
        if (_response.StatusCode == 101 || ++_informational > _limits.MaxInformationalResponses)
        {
            _flags |= ResponseFlags.UpstreamProtocolError;
            error = ForwardError.UpstreamProtocolError;
            return HeadStep.Failed;
        }

        return HeadStep.NeedMore;
    }
}
