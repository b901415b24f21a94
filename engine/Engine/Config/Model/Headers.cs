namespace Engine.Config.Model;

/// <summary>Header manipulation for the request sent upstream and the response returned downstream.</summary>
internal sealed record Headers : ModelNode
{
    public HeaderOperations? Request { get; init; }

    public HeaderOperations? Response { get; init; }
}
