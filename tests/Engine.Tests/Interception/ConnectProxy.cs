using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace Engine.Tests.Interception;

/// <summary>
/// A forward proxy on loopback for tunnel tests: an <see cref="EchoServer"/> whose connections
/// first read one request head (kept in <see cref="Heads"/>) and answer it with <c>answer</c>
/// (and <c>banner</c> in the same write, as a server speaking first through the tunnel would).
/// </summary>
internal static class ConnectProxy
{
    public static EchoServer Start(string answer, ConcurrentQueue<string> heads, string banner = "")
        => new(async (socket, stop) =>
        {
            var head = new List<byte>();
            var one = new byte[1];
            while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
            {
                if (await socket.ReceiveAsync(one, SocketFlags.None, stop) == 0)
                {
                    return false;
                }

                head.Add(one[0]);
            }

            heads.Enqueue(Encoding.ASCII.GetString([.. head]));
            await socket.SendAsync(Encoding.ASCII.GetBytes(answer + banner), SocketFlags.None, stop);
            return true;
        });
}
