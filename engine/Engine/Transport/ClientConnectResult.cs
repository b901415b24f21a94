using Microsoft.AspNetCore.Connections;

namespace Engine.Transport;

/// <summary>An outgoing connect's outcome, and the connection when there is one.</summary>
internal readonly record struct ClientConnectResult(ClientConnectStatus Status, ConnectionContext? Connection);
