using System.Net;
using Engine.Protocols.Http;
using Engine.Routing.Actions;
using Engine.Upstream;

namespace Engine.Proxy;

/// <summary>The request's facts that <c>%VARIABLE%</c>s in a route's header values read (<see cref="HeaderValue"/>).</summary>
internal abstract partial class ProxyExchange : IHeaderValueSource
{
    EndPoint? IHeaderValueSource.DownstreamRemote => ClientEndPoint;

    EndPoint? IHeaderValueSource.DownstreamLocal => ServerEndPoint;

    string IHeaderValueSource.Protocol
        => DownstreamIsHttp2 ? "HTTP/2" : _request.Version == Engine.Protocols.Http.HttpVersion.Http10 ? "HTTP/1.0" : "HTTP/1.1";

    DateTimeOffset IHeaderValueSource.StartTime => _startTime;

    HttpRequestHead IHeaderValueSource.Request => _request;

    Endpoint? IHeaderValueSource.UpstreamHost => _host;
}
