namespace Engine.Config.Model;

/// <summary>Explicit retry policy; <c>attempts: 0</c> disables retries entirely.</summary>
internal sealed record HttpRetry : ModelNode
{
    /// <summary>Retries after the first try (total tries = 1 + attempts).</summary>
    public int Attempts { get; init; }

    public TimeSpan? PerTryTimeout { get; init; }

    /// <summary>Comma-separated Envoy retry policies and/or HTTP status codes, as written.</summary>
    public string RetryOn { get; init; } = "";

    public bool? RetryRemoteLocalities { get; init; }

    /// <summary>Null means Istio's default (true unless consistent hashing).</summary>
    public bool? RetryIgnorePreviousHosts { get; init; }

    /// <summary>Base back-off interval; null means 25 ms.</summary>
    public TimeSpan? Backoff { get; init; }
}
