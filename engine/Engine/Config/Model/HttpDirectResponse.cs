using System.Collections.Immutable;

namespace Engine.Config.Model;

/// <summary>A fixed local reply.</summary>
internal sealed record HttpDirectResponse : ModelNode
{
    public uint Status { get; init; }

    public HttpBody? Body { get; init; }
}

/// <summary>Direct-response body: a string or base64-decoded bytes (a oneof).</summary>
internal sealed record HttpBody : ModelNode
{
    public string? String { get; init; }

    public ImmutableArray<byte>? Bytes { get; init; }
}
