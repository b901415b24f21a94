using System.Net;
using System.Text;
using Engine.Config.Validation;
using Engine.Protocols.Http;
using Engine.Routing.Actions;
using Engine.Upstream;

namespace Engine.Tests.Routing;

/// <summary>Envoy's %VARIABLE%s in header values: parsing, rendering, validation.</summary>
public sealed class HeaderValueTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 9, 5, 7, 123, TimeSpan.Zero);

    private sealed class Source : IHeaderValueSource
    {
        public EndPoint? DownstreamRemote { get; init; } = IPEndPoint.Parse("10.0.0.7:51234");

        public EndPoint? DownstreamLocal { get; init; } = IPEndPoint.Parse("10.0.0.2:15001");

        public string Protocol => "HTTP/1.1";

        public DateTimeOffset StartTime => Start;

        public HttpRequestHead Request { get; init; } = RequestHeads.Parse("GET", "reviews:9080", "/r?x=1", ("x-user", "alice"), ("x-long", "abcdefgh"));

        public Endpoint? UpstreamHost { get; init; }
    }

    private static string Render(string text, IHeaderValueSource? source = null, HttpHead? response = null)
        => HeaderValue.Parse(text).Render(source ?? new Source(), response);

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("100%%", "100%")]
    [InlineData("%%DOWNSTREAM_LOCAL_PORT%%", "%DOWNSTREAM_LOCAL_PORT%")] // escaped: not a variable
    public void Literals_KeepTheirText(string text, string expected)
    {
        var value = HeaderValue.Parse(text);

        Assert.Equal(expected, Encoding.UTF8.GetString(value.Literal!));
        Assert.Equal(text, value.ToString());
    }

    [Theory]
    [InlineData("%DOWNSTREAM_REMOTE_ADDRESS%", "10.0.0.7:51234")]
    [InlineData("%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", "10.0.0.7")]
    [InlineData("%DOWNSTREAM_REMOTE_PORT%", "51234")]
    [InlineData("%DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT%", "10.0.0.7")]
    [InlineData("%DOWNSTREAM_LOCAL_ADDRESS%", "10.0.0.2:15001")]
    [InlineData("%DOWNSTREAM_LOCAL_PORT%", "15001")]
    [InlineData("%PROTOCOL%", "HTTP/1.1")]
    [InlineData("client=%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%; proto=%PROTOCOL%", "client=10.0.0.7; proto=HTTP/1.1")]
    [InlineData("%REQ(x-user)%", "alice")]
    [InlineData("%REQ(X-USER)%", "alice")]
    [InlineData("%REQ(x-none?x-user)%", "alice")]
    [InlineData("%REQ(x-long):3%", "abc")]
    [InlineData("%REQ(:authority)%", "reviews:9080")]
    [InlineData("%REQ(:path)%", "/r?x=1")]
    [InlineData("%REQ(:method)%", "GET")]
    [InlineData("%REQ(x-none)%", "")]
    [InlineData("%RESP(x-served-by)%", "")] // request side: no response yet
    [InlineData("%UPSTREAM_REMOTE_ADDRESS%", "")] // not picked yet
    [InlineData("%DOWNSTREAM_PEER_URI_SAN%", "")] // known to Envoy, nothing to say here
    [InlineData("%START_TIME%", "2026-11-26T09:05:07.123Z")]
    [InlineData("%START_TIME(%s)%", "1795683907")]
    [InlineData("%START_TIME(%Y/%m/%d %H:%M:%S.%3f %z)%", "2026/11/26 09:05:07.123 +0000")]
    [InlineData("%START_TIME(%E6S)%", "07.123000")]
    public void Variables_ReadTheRequest(string text, string expected)
    {
        Assert.Equal(expected, Render(text));
    }

    [Fact]
    public void ResponseSide_ReadsTheResponse_AndTheUpstream()
    {
        var response = new HttpResponseHead();
        response.AddHeader("x-served-by"u8, "v1"u8);
        var source = new Source
        {
            UpstreamHost = new Endpoint(IPEndPoint.Parse("10.1.1.1:9080"), new Dictionary<string, string>(), 1, null!),
            DownstreamRemote = IPEndPoint.Parse("[::ffff:10.0.0.7]:4000"),
        };

        Assert.Equal("v1", Render("%RESP(x-served-by)%", source, response));
        Assert.Equal("10.1.1.1:9080", Render("%UPSTREAM_REMOTE_ADDRESS%", source, response));
        Assert.Equal("9080", Render("%UPSTREAM_REMOTE_PORT%", source, response));
        Assert.Equal("10.0.0.7:4000", Render("%DOWNSTREAM_REMOTE_ADDRESS%", source, response)); // a mapped address as IPv4
    }

    [Fact]
    public void Edits_RenderFromTheArrivingHead_AndDropEmptyValues()
    {
        var edits = new HeaderEdits(
            ["x-user"],
            [new("x-was-user", "%REQ(x-user)%"), new("x-empty", "%REQ(x-none)%")],
            [new("x-client", "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%")]);
        var head = RequestHeads.Parse("GET", "svc", "/", ("x-user", "alice"));

        edits.Apply(head, new Source());

        Assert.Equal(-1, head.IndexOf("x-user"u8));
        Assert.Equal("alice", Encoding.UTF8.GetString(head.ValueOf(head.IndexOf("x-was-user"u8))));
        Assert.Equal(-1, head.IndexOf("x-empty"u8));
        Assert.Equal("10.0.0.7", Encoding.UTF8.GetString(head.ValueOf(head.IndexOf("x-client"u8))));
        Assert.Contains("set x-was-user: %REQ(x-user)%", edits.Describe());
    }

    [Theory]
    [InlineData("%HOSTNAME%", null)]
    [InlineData("%START_TIME(%s)%", null)]
    [InlineData("%REQ(x-user):10%", null)]
    [InlineData("%UPSTREAM_METADATA([\"istio\", \"canonical_name\"])%", null)]
    [InlineData("%NOT_A_VARIABLE%", "which is not an Envoy header variable")]
    [InlineData("%REQ(x-user)", "invalid %VARIABLE%")]
    [InlineData("50%", "invalid %VARIABLE%")]
    public void Validation_KnowsEnvoysVariables(string value, string? error)
    {
        var problem = HeaderRules.CheckValue(value);

        if (error is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.Contains(error, problem);
        }
    }
}
