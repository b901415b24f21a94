using System.CommandLine;
using Engine.Config.Binding;
using Engine.Proxy;

namespace Engine.Host.Commands;

/// <summary>The proxy's downstream limits and switches on the `engine run` command line.</summary>
internal sealed class ProxyLimitOptions
{
    private readonly Option<string> _headTimeout = new("--request-head-timeout") { Description = "Time for a request head to arrive (slowloris: 408); Go-style duration", DefaultValueFactory = _ => "10s" };
    private readonly Option<string> _idleTimeout = new("--idle-timeout") { Description = "Close keep-alive connections idle this long", DefaultValueFactory = _ => "1h" };
    private readonly Option<int> _maxRequests = new("--max-requests-per-connection") { Description = "Requests per downstream connection (0: unlimited)" };
    private readonly Option<int> _maxConnections = new("--max-connections") { Description = "Downstream connections at once; more get 503 (0: unlimited)" };
    private readonly Option<int> _maxHeapMb = new("--max-heap-mb") { Description = "Shed requests with 503 above this managed heap size (0: no ceiling)" };
    private readonly Option<int> _h2Streams = new("--http2-max-concurrent-streams") { Description = "HTTP/2: streams a client may have open per connection; more are refused (REFUSED_STREAM)", DefaultValueFactory = _ => 100 };
    private readonly Option<int> _h2Window = new("--http2-initial-stream-window") { Description = "HTTP/2: bytes a client may send on a stream before we grant more (and the connection window)", DefaultValueFactory = _ => 1024 * 1024 };
    private readonly Option<int> _headersKb = new("--max-request-headers-kb") { Description = "Largest request head (HTTP/1.1) or decoded header list (HTTP/2), KiB; more gets 431 (Envoy's max_request_headers_kb)", DefaultValueFactory = _ => 60 };
    private readonly Option<int> _headersCount = new("--max-request-headers-count") { Description = "Most request header fields; more gets 431 (Envoy's max_headers_count)", DefaultValueFactory = _ => 100 };
    private readonly Option<bool> _shadowSuffix = new("--mirror-shadow-suffix") { Description = "Append -shadow to mirrored hosts (Istio <= 1.27 behaviour)" };

    public void AddTo(Command command)
    {
        command.Options.Add(_headTimeout);
        command.Options.Add(_idleTimeout);
        command.Options.Add(_maxRequests);
        command.Options.Add(_maxConnections);
        command.Options.Add(_maxHeapMb);
        command.Options.Add(_headersKb);
        command.Options.Add(_headersCount);
        command.Options.Add(_h2Streams);
        command.Options.Add(_h2Window);
        command.Options.Add(_shadowSuffix);
    }

    public bool TryRead(ParseResult result, out ProxyOptions options, out string problem)
    {
        options = new ProxyOptions();
        problem = string.Empty;
        if (!DurationParser.TryParse(result.GetValue(_headTimeout)!, out var head, out var headError))
        {
            problem = $"--request-head-timeout: {headError}";
            return false;
        }

        if (!DurationParser.TryParse(result.GetValue(_idleTimeout)!, out var idle, out var idleError))
        {
            problem = $"--idle-timeout: {idleError}";
            return false;
        }

        var streams = result.GetValue(_h2Streams);
        var window = result.GetValue(_h2Window);
        if (streams < 1 || window < 65_535)
        {
            problem = streams < 1
                ? "--http2-max-concurrent-streams: at least 1"
                : "--http2-initial-stream-window: at least 65535 (HTTP/2's initial window)";
            return false;
        }

        var headersKb = result.GetValue(_headersKb);
        var headersCount = result.GetValue(_headersCount);
        if (headersKb is < 1 or > 8192 || headersCount < 1)
        {
            problem = headersCount < 1
                ? "--max-request-headers-count: at least 1"
                : "--max-request-headers-kb: between 1 and 8192 (Envoy's range)";
            return false;
        }

        var http1 = options.Http1Limits with
        {
            MaxHeadBytes = headersKb * 1024,
            MaxHeaderCount = headersCount,
            MaxRequestLineBytes = Math.Min(options.Http1Limits.MaxRequestLineBytes, headersKb * 1024),
        };
        var http2 = options.Http2;
        options = options with
        {
            Http1Limits = http1,
            Http2 = http2 with
            {
                Limits = http2.Limits with
                {
                    MaxConcurrentStreams = streams,
                    InitialStreamWindowSize = window,
                    InitialConnectionWindowSize = Math.Max(window, http2.Limits.InitialConnectionWindowSize),
                    MaxHeaderListBytes = headersKb * 1024,
                    MaxHeaderCount = headersCount,
                    MaxHeaderBlockBytes = Math.Max(http2.Limits.MaxHeaderBlockBytes, 2 * headersKb * 1024),
                },
            },
            RequestHeadTimeout = head,
            IdleTimeout = idle,
            MaxRequestsPerConnection = Math.Max(0, result.GetValue(_maxRequests)),
            MaxConnections = Math.Max(0, result.GetValue(_maxConnections)),
            MaxHeapBytes = Math.Max(0, result.GetValue(_maxHeapMb)) * 1024L * 1024,
            MirrorShadowHostSuffix = result.GetValue(_shadowSuffix),
        };
        return true;
    }
}
