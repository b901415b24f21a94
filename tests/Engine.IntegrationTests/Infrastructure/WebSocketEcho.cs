using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;

namespace Engine.IntegrationTests.Infrastructure;

/// <summary>
/// The WebSocket end of the upgrade tests' servers: greets first (so a message can arrive right
/// behind the 101), then echoes every message until the client closes, and closes with "bye".
/// A request that is not a WebSocket handshake gets 426.
/// </summary>
internal static class WebSocketEcho
{
    public static async Task HandleAsync(HttpContext context, string greeting)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 426;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(greeting), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, CancellationToken.None);
        }
    }
}
