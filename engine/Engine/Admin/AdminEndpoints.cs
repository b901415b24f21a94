using System.Diagnostics;
using System.Text.Json;
using Engine.Admin.Dumps;
using Engine.Hosting;
using Engine.Protocols.Http;
using Engine.Telemetry;
using Engine.Telemetry.Prometheus;

namespace Engine.Admin;

/// <summary>
/// The admin API, Envoy's paths where Envoy has them: <c>/ready</c>, <c>/stats/prometheus</c>,
/// <c>/config_dump</c>, <c>/clusters</c>, <c>/logging</c>, <c>/server_info</c>, plus
/// <c>/healthz</c> for liveness. Reads are GET (or HEAD); changing the log level is a POST, as
/// in Envoy, so that a crawler or a stray link cannot change state.
/// </summary>
internal sealed class AdminEndpoints
{
    private const string Index = """
        engine admin:
          /ready              200 LIVE once configured and listening; 503 while starting or draining
          /healthz            200 while the process runs
          /stats/prometheus   metrics, Prometheus text format
          /config_dump        the running configuration (JSON)
          /clusters           endpoints with in-flight requests and connections (?format=json)
          /logging            GET shows the log level; POST ?level=debug changes it
          /server_info        version, state, uptime, listeners (JSON)

        """;

    private readonly Sidecar _sidecar;
    private readonly EngineTelemetry _telemetry;
    private readonly LineLoggerProvider? _logging;
    private readonly string _version;

    public AdminEndpoints(Sidecar sidecar, EngineTelemetry telemetry, LineLoggerProvider? logging, string version)
    {
        _sidecar = sidecar;
        _telemetry = telemetry;
        _logging = logging;
        _version = version;
    }

    /// <summary>Set once the admin listener is bound (shown by /server_info).</summary>
    public string? AdminAddress { get; set; }

    public AdminResponse Handle(AdminRequest request)
    {
        var read = request.Method is HttpMethod.Get or HttpMethod.Head;
        return request.Path switch
        {
            "/" when read => AdminResponse.Text(200, Index),
            "/ready" when read => Ready(),
            "/healthz" when read => AdminResponse.Text(200, "OK\n"),
            "/stats/prometheus" when read => Prometheus(),
            "/config_dump" when read => ConfigDump(),
            "/clusters" when read => Clusters(request),
            "/server_info" when read => ServerInfo(),
            "/logging" when read || request.Method == HttpMethod.Post => Logging(request),
            "/" or "/ready" or "/healthz" or "/stats/prometheus" or "/config_dump" or "/clusters" or "/server_info"
                => AdminResponse.Text(405, "method not allowed: use GET\n"),
            _ => AdminResponse.Text(404, "invalid path\n\n" + Index),
        };
    }

    private AdminResponse Ready()
    {
        var state = ServerStates.Of(_sidecar.Server);
        return AdminResponse.Text(state == ServerState.Live ? 200 : 503, ServerStates.Name(state) + "\n");
    }

    private AdminResponse Prometheus()
    {
        return new AdminResponse(200, PrometheusTextWriter.ContentType, System.Text.Encoding.UTF8.GetBytes(PrometheusExporter.Render(_sidecar, _telemetry)));
    }

    private AdminResponse ConfigDump()
    {
        var dump = ConfigDumpBuilder.Build(_sidecar.Server.Config, _sidecar.Snapshot, Listeners());
        return new AdminResponse(200, AdminResponse.Json, JsonSerializer.SerializeToUtf8Bytes(dump, AdminJsonContext.Readable.ConfigDump));
    }

    private AdminResponse Clusters(AdminRequest request)
    {
        var dump = ClustersReport.Build(_sidecar.Server.Config);
        return request.Query.TryGetValue("format", out var format) && format == "json"
            ? new AdminResponse(200, AdminResponse.Json, JsonSerializer.SerializeToUtf8Bytes(dump, AdminJsonContext.Readable.ClustersDump))
            : AdminResponse.Text(200, ClustersReport.Text(dump));
    }

    private AdminResponse ServerInfo()
    {
        var log = _telemetry.AccessLog;
        var info = new ServerInfo(
            _version,
            ServerStates.Name(ServerStates.Of(_sidecar.Server)),
            (long)Stopwatch.GetElapsedTime(_telemetry.Metrics.StartedTimestamp).TotalSeconds,
            Listeners(),
            AdminAddress,
            _sidecar.Server.Config.Version,
            log is null ? "off" : $"{log.Writer.Description} ({log.Format.ToString().ToLowerInvariant()})");
        return new AdminResponse(200, AdminResponse.Json, JsonSerializer.SerializeToUtf8Bytes(info, AdminJsonContext.Readable.ServerInfo));
    }

    private AdminResponse Logging(AdminRequest request)
    {
        if (_logging is null)
        {
            return AdminResponse.Text(404, "logging is not controlled by this process\n");
        }

        if (request.Query.TryGetValue("level", out var text))
        {
            if (request.Method != HttpMethod.Post)
            {
                return AdminResponse.Text(405, "changing the log level needs POST\n");
            }

            if (!LogLevels.TryParse(text, out var level))
            {
                return AdminResponse.Text(400, $"unknown level '{text}'; use one of: {LogLevels.Names}\n");
            }

            _logging.MinimumLevel = level;
        }

        return AdminResponse.Text(200, $"level: {LogLevels.Name(_logging.MinimumLevel)}\n");
    }

    private string[] Listeners() => _sidecar.Server.Endpoints.Select(e => e.ToString() ?? "?").ToArray();
}
