using System.Buffers;
using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Routing.Actions;

namespace Engine.Proxy;

internal sealed partial class Http1ProxySession
{
    private void WriteRejection(Http1Error error) => WriteLocalReply(RejectionFor(error));

    /// <summary>Writes (without flushing) a response the proxy makes itself (see <see cref="ProxyExchange.BuildLocalReply"/>).</summary>
    private void WriteLocalReply(in LocalReply reply)
    {
        var body = BuildLocalReply(reply);
        ResponseHeadSerializer.Write(_output, _response, new DownstreamResponseExtras(Chunked: false, Close: !_keepAlive, KeepAliveHeader: false, ServiceTimeMs: -1));
        if (body.Length > 0 && _request.Method != HttpMethod.Head)
        {
            _output.Write(body);
            _sent.Add(body.Length);
        }
    }
}
