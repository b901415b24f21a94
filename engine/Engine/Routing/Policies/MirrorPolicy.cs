namespace Engine.Routing.Policies;

/// <summary>One mirror target (<c>mirror</c> or an entry of <c>mirrors</c>) and the share of requests copied to it.</summary>
internal sealed record MirrorPolicy(RouteDestination Target, double Percent)
{
    public string Describe() => $"mirror {Percent}% to {Target}";
}
