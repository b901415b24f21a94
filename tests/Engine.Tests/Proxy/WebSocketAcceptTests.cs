using System.Text;
using Engine.Proxy;

namespace Engine.Tests.Proxy;

public sealed class WebSocketAcceptTests
{
    [Theory]
    [InlineData("dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")] // RFC 6455 §1.3's example
    [InlineData(" dGhlIHNhbXBsZSBub25jZQ== ", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")] // optional whitespace around a field value is not part of it
    public void Compute_GivesRfc6455sAnswer(string key, string accept)
    {
        var destination = new byte[WebSocketAccept.Length];

        WebSocketAccept.Compute(Encoding.ASCII.GetBytes(key), destination);

        Assert.Equal(accept, Encoding.ASCII.GetString(destination));
    }
}
