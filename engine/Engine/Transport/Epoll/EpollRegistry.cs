namespace Engine.Transport.Epoll;

/// <summary>
/// Maps the 64-bit token epoll returns to the handler registered with it, for every loop.
/// </summary>
/// <remarks>
/// A token is a slot index (low 32 bits) and a registration sequence number (high 32 bits).
/// epoll_wait can return an event for a socket that another thread closed a moment ago, and
/// its slot may already hold a new connection; the sequence number makes such a stale event
/// miss instead of waking the wrong connection. Adding and removing take a lock (once per
/// connection); looking up, once per event on the loop threads, does not: a slot is written
/// before the socket is added to epoll, so a loop that sees the event sees the slot.
/// </remarks>
internal static class EpollRegistry
{
    private static readonly Lock Gate = new();
    private static readonly Stack<int> Free = new();
    private static IEpollHandler?[] s_slots = new IEpollHandler?[1024];
    private static int s_used;
    private static uint s_sequence;

    /// <summary>Registered handlers (tests check that closed connections leave).</summary>
    public static int Count
    {
        get
        {
            lock (Gate)
            {
                return s_used - Free.Count;
            }
        }
    }

    public static void Add(IEpollHandler handler)
    {
        lock (Gate)
        {
            int index;
            if (Free.Count > 0)
            {
                index = Free.Pop();
            }
            else
            {
                if (s_used == s_slots.Length)
                {
                    var grown = new IEpollHandler?[s_slots.Length * 2];
                    s_slots.CopyTo(grown, 0);
                    Volatile.Write(ref s_slots, grown);
                }

                index = s_used++;
            }

            // Sequence 0 is never used, so a token is never 0.
            if (++s_sequence == 0)
            {
                s_sequence = 1;
            }

            handler.Token = ((ulong)s_sequence << 32) | (uint)index;
            Volatile.Write(ref s_slots[index], handler);
        }
    }

    public static void Remove(IEpollHandler handler)
    {
        lock (Gate)
        {
            var token = handler.Token;
            if (token == 0)
            {
                return;
            }

            var index = (int)(uint)token;
            if (ReferenceEquals(s_slots[index], handler))
            {
                s_slots[index] = null;
                Free.Push(index);
            }

            handler.Token = 0;
        }
    }

    public static IEpollHandler? Find(ulong token)
    {
        var slots = Volatile.Read(ref s_slots);
        var index = (int)(uint)token;
        if ((uint)index < (uint)slots.Length && Volatile.Read(ref slots[index]) is { } handler && handler.Token == token)
        {
            return handler;
        }

        return null;
    }
}
