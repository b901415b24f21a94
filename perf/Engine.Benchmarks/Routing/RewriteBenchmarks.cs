using System.Buffers;
using System.Net;
using BenchmarkDotNet.Attributes;
using Engine.Benchmarks.Support;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Routing;
using Engine.Routing.Actions;
using Engine.Upstream;

namespace Engine.Benchmarks.Routing;

/// <summary>
/// The route's rewrites of a head: <c>headers.request</c> / <c>headers.response</c> blocks
/// (<see cref="HeaderEdits"/>) and <c>rewrite.uri</c> / <c>uriRegexRewrite</c>
/// (<see cref="PathRewrite"/>). An edit changes the head in place, so every operation parses a
/// fresh head first; the <c>Parse…</c> baselines are that parse alone, and an edit's own cost
/// is its time minus its baseline's.
/// </summary>
[MemoryDiagnoser]
public class RewriteBenchmarks
{
    private static readonly ByteMatcher ApiPrefix = ByteMatcher.Prefix("/api/v1");

    private readonly byte[] _request = Requests.Bytes(Requests.BrowserGet);
    private readonly byte[] _response = Requests.Bytes(Requests.NginxResponse);
    private readonly HttpRequestHead _requestHead = new();
    private readonly HttpResponseHead _responseHead = new();
    private readonly VariableSource _source = new();

    /// <summary>What a VirtualService's <c>headers.request</c> usually holds: two sets, an add, a remove.</summary>
    private readonly HeaderEdits _requestEdits = new(
        ["x-tenant"],
        [new("x-route", "reviews-v2"), new("x-canary", "true")],
        [new("x-mesh-hop", "engine")]);

    /// <summary>Hardening a response: drop <c>server</c>, set two security headers.</summary>
    private readonly HeaderEdits _responseEdits = new(
        ["server"],
        [new("x-frame-options", "DENY"), new("strict-transport-security", "max-age=31536000")],
        []);

    /// <summary>The same request block with two of Envoy's variables: rendered per request.</summary>
    private readonly HeaderEdits _variableEdits = new(
        ["x-tenant"],
        [new("x-client", "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"), new("x-canary", "true")],
        [new("x-user", "%REQ(end-user)%")]);

    private readonly PathRewrite _prefix = PathRewrite.Prefix("/v2");
    private readonly PathRewrite _regex = PathRewrite.Regex("^/api/v1/(svc[0-9]+)/items/(.*)$", "/\\1/catalogue/\\2");

    [GlobalSetup]
    public void Setup()
    {
        // Each edit must change what it is meant to, or the numbers measure nothing.
        Check(RequestHeaderEdits().HeaderCount == ParseRequest().HeaderCount + 2, "request edits: -1 +3 lines");
        Check(ResponseHeaderEdits().HeaderCount == ParseResponse().HeaderCount + 1, "response edits: -1 +2 lines");
        Check(RequestHeaderEdits_Variables().IndexOf("x-client"u8) >= 0, "variables render");
        Check(PrefixRewrite().PathOnly.SequenceEqual("/v2/svc42/items/42"u8), "prefix rewrite");
        Check(RegexRewrite().PathOnly.SequenceEqual("/svc42/catalogue/42"u8), "regex rewrite");
    }

    [Benchmark(Baseline = true)]
    public HttpRequestHead ParseRequest()
    {
        _requestHead.Reset();
        Http1RequestParser.TryParseRequest(new ReadOnlySequence<byte>(_request), _requestHead, Http1Limits.Default, out _, out _);
        return _requestHead;
    }

    [Benchmark]
    public HttpRequestHead RequestHeaderEdits()
    {
        var head = ParseRequest();
        _requestEdits.Apply(head);
        return head;
    }

    /// <summary>Allocates: rendered values are new strings per request, as Envoy formats them per request.</summary>
    [Benchmark]
    public HttpRequestHead RequestHeaderEdits_Variables()
    {
        var head = ParseRequest();
        _source.Request = head;
        _variableEdits.Apply(head, _source);
        return head;
    }

    [Benchmark]
    public HttpRequestHead PrefixRewrite()
    {
        var head = ParseRequest();
        _prefix.Apply(head, ApiPrefix);
        return head;
    }

    /// <summary>Allocates: .NET's regex replace works on strings.</summary>
    [Benchmark]
    public HttpRequestHead RegexRewrite()
    {
        var head = ParseRequest();
        _regex.Apply(head, null);
        return head;
    }

    [Benchmark]
    public HttpResponseHead ParseResponse()
    {
        _responseHead.Reset();
        Http1ResponseParser.TryParseResponse(new ReadOnlySequence<byte>(_response), _responseHead, Http1Limits.Default, out _, out _);
        return _responseHead;
    }

    [Benchmark]
    public HttpResponseHead ResponseHeaderEdits()
    {
        var head = ParseResponse();
        _responseEdits.Apply(head, null, response: true);
        return head;
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"rewrite benchmark set-up is wrong: {what}");
        }
    }

    private sealed class VariableSource : IHeaderValueSource
    {
        public EndPoint? DownstreamRemote { get; } = new IPEndPoint(IPAddress.Parse("10.44.0.17"), 51234);

        public EndPoint? DownstreamLocal { get; } = new IPEndPoint(IPAddress.Loopback, 15001);

        public string Protocol => "HTTP/1.1";

        public DateTimeOffset StartTime { get; } = DateTimeOffset.UnixEpoch;

        public HttpRequestHead Request { get; set; } = new();

        public Endpoint? UpstreamHost => null;
    }
}
