using System.Text;

namespace Engine.Admin;

/// <summary>What an admin endpoint answers: status, content type, body.</summary>
internal readonly record struct AdminResponse(int Status, string ContentType, byte[] Body)
{
    public const string PlainText = "text/plain; charset=utf-8";
    public const string Json = "application/json";

    public static AdminResponse Text(int status, string text) => new(status, PlainText, Encoding.UTF8.GetBytes(text));
}
