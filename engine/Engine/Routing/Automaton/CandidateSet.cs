using System.Buffers;

namespace Engine.Routing.Automaton;

/// <summary>
/// The match entries a path walk found, in a caller-provided (stack) buffer that spills to a
/// pooled array only when a path has an unusual number of candidates. Entries are indexes in
/// rule order, so the winner is the smallest index whose remaining conditions hold.
/// </summary>
internal ref struct CandidateSet
{
    private Span<int> _items;
    private int[]? _rented;

    public CandidateSet(Span<int> initial)
    {
        _items = initial;
        _rented = null;
        Count = 0;
    }

    public int Count { get; private set; }

    public readonly ReadOnlySpan<int> Items => _items[..Count];

    public void AddRange(ReadOnlySpan<int> entries)
    {
        if (entries.IsEmpty)
        {
            return;
        }

        if (Count + entries.Length > _items.Length)
        {
            Grow(Count + entries.Length);
        }

        entries.CopyTo(_items[Count..]);
        Count += entries.Length;
    }

    /// <summary>Sorts ascending (rule order).</summary>
    public void Sort() => _items[..Count].Sort();

    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<int>.Shared.Return(_rented);
            _rented = null;
        }
    }

    private void Grow(int needed)
    {
        var bigger = ArrayPool<int>.Shared.Rent(Math.Max(needed, _items.Length * 2));
        _items[..Count].CopyTo(bigger);
        if (_rented is not null)
        {
            ArrayPool<int>.Shared.Return(_rented);
        }

        _rented = bigger;
        _items = bigger;
    }
}
