using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engine.IntegrationTests.Tls;

/// <summary>
/// A Kestrel HTTPS upstream on a loopback port that answers every request with what it saw of
/// the connection: <c>x-tls</c> (the TLS version), <c>x-sni</c>, <c>x-alpn</c>, <c>x-http</c> (the
/// request's protocol) and <c>x-client-cert</c> (the client certificate's subject, when one was sent).
/// </summary>
internal sealed class KestrelTlsUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KestrelTlsUpstream(WebApplication app) => _app = app;

    public int Port { get; private set; }

    /// <param name="requireClientCertificate">Refuse handshakes without a client certificate (any issuer is accepted: the test reads what was sent).</param>
    /// <param name="alpn">The server's own ALPN list, in its order of preference (Kestrel's when null): a
    /// protocol the client offered that this list puts first is the one negotiated.</param>
    public static async Task<KestrelTlsUpstream> StartAsync(X509Certificate2 certificate, HttpProtocols protocols = HttpProtocols.Http1, bool requireClientCertificate = false, string name = "tls", string[]? alpn = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = protocols;
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                // Kestrel's selector sees the ClientHello's server name: kept per connection for the answer.
                ServerCertificateSelector = (connection, serverName) =>
                {
                    connection!.Items["sni"] = serverName;
                    return certificate;
                },
                ClientCertificateMode = requireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.AllowCertificate,
                ClientCertificateValidation = (_, _, _) => true,
                OnAuthenticate = alpn is null ? null : (_, options) => options.ApplicationProtocols = alpn.Select(p => new System.Net.Security.SslApplicationProtocol(p)).ToList(),
            });
        }));
        var app = builder.Build();
        app.Run(async context =>
        {
            var tls = context.Features.Get<ITlsHandshakeFeature>();
            var alpn = context.Features.Get<ITlsApplicationProtocolFeature>();
            var headers = context.Response.Headers;
            headers["x-served-by"] = name;
            headers["x-tls"] = tls?.Protocol.ToString() ?? "none";
            headers["x-sni"] = context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue("sni", out var sni) == true ? sni as string ?? "" : "";
            headers["x-alpn"] = alpn is null ? "" : System.Text.Encoding.ASCII.GetString(alpn.ApplicationProtocol.Span);
            headers["x-http"] = context.Request.Protocol;
            headers["x-client-cert"] = context.Connection.ClientCertificate?.Subject ?? "";
            await context.Response.WriteAsync("hello over tls");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new KestrelTlsUpstream(app) { Port = new Uri(address).Port };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
