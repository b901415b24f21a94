namespace Engine.Routing.Policies;

/// <summary>
/// <c>fault</c>: an optional delay and an optional abort, each drawn independently with its own
/// percentage (0–100; absent means the fault never fires — istio-semantics.md §3.12).
/// </summary>
internal sealed record FaultPolicy(TimeSpan? Delay, double DelayPercent, int? AbortHttpStatus, int? AbortGrpcStatus, double AbortPercent)
{
    public string Describe()
        => string.Join("; ", new[]
        {
            Delay is { } d ? $"delay {d.TotalMilliseconds} ms for {DelayPercent}% of requests" : null,
            AbortHttpStatus is { } s ? $"abort with {s} for {AbortPercent}% of requests" : null,
            AbortGrpcStatus is { } g ? $"abort with grpc-status {g} for {AbortPercent}% of requests" : null,
        }.Where(p => p is not null));
}
