namespace Engine.Routing;

internal readonly record struct RouteResult(RouteOutcome Outcome, VirtualHost? VirtualHost, RouteRule? Rule);
