using System.Text;

namespace Engine.Proxy;

/// <summary>A response the proxy makes itself: status, body bytes, response flag.</summary>
internal readonly record struct LocalReply(int Status, byte[] Body, ResponseFlags Flags, bool Overloaded = false)
{
    public LocalReply(int status, string body, ResponseFlags flags, bool overloaded = false)
        : this(status, Encoding.UTF8.GetBytes(body), flags, overloaded)
    {
    }
}
