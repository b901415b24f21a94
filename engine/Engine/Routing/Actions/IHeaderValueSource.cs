using System.Net;
using Engine.Protocols.Http;
using Engine.Upstream;

namespace Engine.Routing.Actions;

/// <summary>What a <c>%VARIABLE%</c> in a header value reads from the request being served (<see cref="HeaderValue"/>).</summary>
internal interface IHeaderValueSource
{
    EndPoint? DownstreamRemote { get; }

    EndPoint? DownstreamLocal { get; }

    /// <summary>The client's protocol: HTTP/1.0, HTTP/1.1 or HTTP/2.</summary>
    string Protocol { get; }

    DateTimeOffset StartTime { get; }

    HttpRequestHead Request { get; }

    /// <summary>The endpoint the request went to; null before one is picked (request headers).</summary>
    Endpoint? UpstreamHost { get; }
}
