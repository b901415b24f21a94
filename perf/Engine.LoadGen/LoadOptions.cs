namespace Engine.LoadGen;

/// <summary>One run's settings, as given on the command line.</summary>
internal sealed record LoadOptions
{
    public required LoadTarget Target { get; init; }

    /// <summary>Requests per second the schedule asks for (open loop: independent of responses).</summary>
    public required double Rate { get; init; }

    public required int Connections { get; init; }

    /// <summary>Measured period; the run stops scheduling when it or <see cref="MaxRequests"/> is reached.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Measured requests to schedule at most (0 = no limit).</summary>
    public long MaxRequests { get; init; }

    /// <summary>Period before measuring, at the same rate, whose responses are not recorded.</summary>
    public TimeSpan Warmup { get; init; }

    /// <summary>How long to wait for outstanding responses after the schedule ends; later ones are timeouts.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Progress line interval on stderr; zero for none.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>http1 (one request at a time per connection) or h2c (prior knowledge, <see cref="Streams"/> per connection).</summary>
    public string Protocol { get; init; } = "http1";

    /// <summary>h2c: concurrent streams per connection (each is a slot).</summary>
    public int Streams { get; init; } = 10;

    /// <summary>Slots the scheduler can hand requests to.</summary>
    public int Slots => Protocol == "h2c" ? Connections * Streams : Connections;
}
