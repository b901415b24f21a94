using Microsoft.AspNetCore.Connections;

namespace Engine.Interception;

/// <summary>
/// The seam for a protocol session on an intercepted outbound connection (today: HTTP/2 prior
/// knowledge). It gets the connection with the sniffed bytes still unread and the interception
/// context (original destination, policy, passthrough clusters), and serves the connection to
/// its end. Without one, h2c prior-knowledge connections are passed through at L4.
/// </summary>
internal delegate Task InterceptedSessionHandler(ConnectionContext connection, InterceptedConnection intercepted);
