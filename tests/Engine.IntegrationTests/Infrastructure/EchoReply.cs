using System.Net;
using System.Text.Json;

namespace Engine.IntegrationTests.Infrastructure;

/// <summary>A response read whole, with the echo's JSON parsed when it is one.</summary>
internal sealed record EchoReply(HttpStatusCode Status, HttpResponseMessage Message, string Body)
{
    public string? ServedBy => Message.Headers.TryGetValues("x-served-by", out var v) ? v.First() : null;

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string Path => Json.GetProperty("path").GetString()!;

    public string Authority => Json.GetProperty("authority").GetString()!;

    /// <summary>A request header as the upstream received it, or null.</summary>
    public string? UpstreamHeader(string name)
        => Json.GetProperty("headers").TryGetProperty(name, out var value) ? value.GetString() : null;

    /// <summary>A response header as the client received it (values joined with ", "), or null.</summary>
    public string? Header(string name)
        => Message.Headers.TryGetValues(name, out var values) || Message.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : null;

    public static async Task<EchoReply> ReadAsync(HttpResponseMessage message)
        => new(message.StatusCode, message, await message.Content.ReadAsStringAsync().ConfigureAwait(false));
}
