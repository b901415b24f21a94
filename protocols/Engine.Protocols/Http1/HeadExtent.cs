namespace Engine.Protocols.Http1;

/// <summary>
/// Where a complete head lies in the input: <see cref="Start"/> skips an ignored leading CRLF,
/// <see cref="End"/> is just past the terminating empty line, <see cref="StartLineLength"/>
/// excludes its CRLF (0 for a trailer section).
/// </summary>
internal readonly record struct HeadExtent(int Start, int End, int StartLineLength)
{
    public int Length => End - Start;
}
