using Engine.Http2;
using Engine.Http2.Server;
using Engine.Protocols.Http2;
using Microsoft.AspNetCore.Connections;

namespace Engine.Echo;

/// <summary>
/// One h2c connection to <c>engine echo</c>: the proxy's own downstream HTTP/2 connection with
/// <see cref="Http2EchoHandler"/> answering each stream. Stopping the server closes it (GOAWAY).
/// </summary>
internal static class Http2EchoSession
{
    public static async Task RunAsync(EchoServer server, ConnectionContext connection)
    {
        var session = new Http2ServerConnection(connection, new Http2EchoHandler(server), new Http2SessionOptions { Time = server.Time });
        using (server.Stopping.Register(static s => ((Http2ServerConnection)s!).Abort(Http2Error.None), session))
        {
            await session.RunAsync().ConfigureAwait(false);
        }
    }
}
