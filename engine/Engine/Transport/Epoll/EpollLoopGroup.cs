namespace Engine.Transport.Epoll;

/// <summary>
/// The event loops of the process, one group per loop count (normally just one: every listener
/// and every upstream connection share it, as the runtime's sockets share their engine).
/// </summary>
internal sealed class EpollLoopGroup
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<int, EpollLoopGroup> Groups = [];

    private readonly EpollLoop[] _loops;
    private int _next;

    private EpollLoopGroup(int count)
    {
        _loops = new EpollLoop[count];
        for (var i = 0; i < count; i++)
        {
            _loops[i] = new EpollLoop(this, i);
        }
    }

    public IReadOnlyList<EpollLoop> Loops => _loops;

    /// <summary>The group with <paramref name="count"/> loops (≤ 0: one per processor the process may use).</summary>
    public static EpollLoopGroup Get(int count)
    {
        if (count <= 0)
        {
            count = Environment.ProcessorCount;
        }

        lock (Gate)
        {
            if (!Groups.TryGetValue(count, out var group))
            {
                group = new EpollLoopGroup(count);
                Groups.Add(count, group);
            }

            return group;
        }
    }

    /// <summary>
    /// The loop for a new outgoing connection: the caller's own loop when it runs on one (the
    /// downstream connection and its upstream then share a thread and its caches), otherwise the
    /// next in turn.
    /// </summary>
    public EpollLoop Pick()
    {
        if (EpollLoop.Current is { } current && current.Group == this)
        {
            return current;
        }

        var next = (uint)Interlocked.Increment(ref _next);
        return _loops[next % (uint)_loops.Length];
    }
}
