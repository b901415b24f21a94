using System.Collections.Concurrent;
using System.Text;
using Engine.Proxy;
using Engine.Telemetry;

namespace Engine.IntegrationTests.Infrastructure;

/// <summary>Records what the data plane reports for each finished request (status, flags, attempts…).</summary>
internal sealed class CapturingTelemetry : IRequestTelemetry
{
    public ConcurrentQueue<Record> Requests { get; } = new();

    public void OnRequestCompleted(in CompletedRequest request)
        => Requests.Enqueue(new Record(
            Encoding.UTF8.GetString(request.Request.Span(request.Request.Path)),
            request.Status,
            request.Flags,
            request.Attempts,
            request.RouteName,
            request.Cluster?.Name,
            request.BytesReceived,
            request.BytesSent));

    public IEnumerable<Record> For(string pathPrefix) => Requests.Where(r => r.Path.StartsWith(pathPrefix, StringComparison.Ordinal));

    /// <summary>
    /// The record of the one request to <paramref name="pathPrefix"/>. The proxy reports a request
    /// after its response is on the way, so the client can be faster than the report: wait for it.
    /// </summary>
    public async Task<Record> SingleAsync(string pathPrefix)
    {
        await WaitFor.ConditionAsync(() => For(pathPrefix).Any(), because: "the request was reported").ConfigureAwait(false);
        return For(pathPrefix).Single();
    }

    internal sealed record Record(string Path, int Status, ResponseFlags Flags, int Attempts, string? Route, string? Cluster, long BytesReceived, long BytesSent)
    {
        public string FlagCodes => ResponseFlagNames.Format(Flags);
    }
}
