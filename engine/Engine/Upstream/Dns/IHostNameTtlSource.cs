namespace Engine.Upstream.Dns;

/// <summary>
/// How long a name's answer may be kept: the TTL of its DNS record, which Istio tells Envoy to
/// honour (<c>respect_dns_ttl</c>) for DNS clusters. Null when none is known (a name from the
/// hosts file, a server that did not answer): the name is then refreshed at <c>dnsRefreshRate</c>.
/// </summary>
internal interface IHostNameTtlSource
{
    Task<TimeSpan?> TtlAsync(string name, CancellationToken cancellation);
}
