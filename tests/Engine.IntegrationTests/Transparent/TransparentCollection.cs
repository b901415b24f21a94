namespace Engine.IntegrationTests.Transparent;

/// <summary>
/// The namespace tests start engines, servers and curl processes and move megabytes through
/// them: they run on their own, after the parallel tests, so that timing- and memory-sensitive
/// tests elsewhere (the short soak's RSS slope) never share the machine with them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TransparentCollection
{
    public const string Name = "Transparent interception (network namespaces)";
}
