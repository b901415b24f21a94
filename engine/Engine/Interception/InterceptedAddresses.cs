namespace Engine.Interception;

/// <summary>The three addresses of an intercepted connection, each with its own type.</summary>
internal readonly record struct InterceptedAddresses(ClientAddress Client, ServerAddress Server, OriginalDestination Destination);
