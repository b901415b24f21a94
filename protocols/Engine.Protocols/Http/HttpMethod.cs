namespace Engine.Protocols.Http;

/// <summary>
/// Request methods the proxy knows by name. Any other token is <see cref="Custom"/> and keeps
/// its bytes in <see cref="HttpRequestHead.MethodBytes"/>.
/// </summary>
public enum HttpMethod : byte
{
    Custom = 0,
    Get,
    Head,
    Post,
    Put,
    Delete,
    Connect,
    Options,
    Trace,
    Patch,
}
