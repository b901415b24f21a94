namespace Engine.Routing;

internal enum RouteOutcome
{
    Matched,

    /// <summary>No virtual host for the authority (the catch-all vhost: passthrough or 502 in Envoy).</summary>
    NoVirtualHost,

    /// <summary>A virtual host, but none of its rules matched: 404 with flag NR.</summary>
    NoRoute,
}
