using System.Net;

namespace Engine.Transport;

/// <summary>
/// Opens outgoing TCP connections and hands them over as pipes, on the transport the settings
/// chose (<see cref="SocketTransports.CreateUpstreamFactory"/>).
/// </summary>
internal interface IClientConnectionFactory : IDisposable
{
    /// <summary>Connects within <paramref name="timeout"/>; failures are values, never exceptions.</summary>
    ValueTask<ClientConnectResult> ConnectAsync(IPEndPoint endpoint, ClientSocketOptions options, TimeSpan timeout, CancellationToken cancellationToken);
}
