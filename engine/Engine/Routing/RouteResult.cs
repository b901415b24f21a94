namespace Engine.Routing;

/// <summary>The route lookup's answer: the virtual host, the rule and which of its match entries held.</summary>
internal readonly record struct RouteResult(RouteOutcome Outcome, VirtualHost? VirtualHost, RouteRule? Rule, int MatchIndex = 0);
