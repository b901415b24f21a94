namespace Engine.Proxy;

/// <summary>A response the proxy makes itself: status, plain-text body, response flag.</summary>
internal readonly record struct LocalReply(int Status, string Body, ResponseFlags Flags, bool Overloaded = false);
