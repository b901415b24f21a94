using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engine.Admin.Dumps;

/// <summary>
/// Source-generated JSON for the admin endpoints (no reflection: native AOT). snake_case like
/// Envoy's own admin output.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(ConfigDump))]
[JsonSerializable(typeof(ClustersDump))]
[JsonSerializable(typeof(ServerInfo))]
internal sealed partial class AdminJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Keeps quotes, '&lt;' and non-ASCII readable in names and match descriptions: the output is
    /// served as application/json to operators and tools, never embedded in HTML.
    /// </summary>
    public static AdminJsonContext Readable { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
