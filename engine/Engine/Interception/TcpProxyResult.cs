namespace Engine.Interception;

/// <summary>Bytes moved each way by an L4 proxied connection, and how it ended.</summary>
internal readonly record struct TcpProxyResult(long BytesFromClient, long BytesToClient, TcpProxyEnd End);
