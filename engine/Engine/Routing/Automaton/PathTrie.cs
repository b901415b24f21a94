namespace Engine.Routing.Automaton;

/// <summary>
/// A byte trie over URI match strings. Each node lists the match entries whose prefix ends there,
/// whose exact path ends there, and whose regex's literal prefix ends there. Built once per
/// configuration, read by any number of threads.
/// </summary>
/// <remarks>
/// Nodes and edges live in flat arrays (no per-node objects) so a lookup is a walk over
/// contiguous memory; a node's edges are sorted by byte and scanned linearly, which beats a
/// binary search at the fan-outs URI paths have (a handful of edges per node).
/// </remarks>
internal sealed class PathTrie
{
    private readonly Builder.Node[] _nodes;
    private readonly byte[] _edgeBytes;
    private readonly int[] _edgeTargets;

    private PathTrie(Builder.Node[] nodes, byte[] edgeBytes, int[] edgeTargets)
    {
        _nodes = nodes;
        _edgeBytes = edgeBytes;
        _edgeTargets = edgeTargets;
    }

    public bool IsEmpty => _nodes.Length == 1 && _nodes[0].Prefix.Length == 0 && _nodes[0].Exact.Length == 0 && _nodes[0].Regex.Length == 0;

    /// <summary>
    /// Walks <paramref name="pathAndQuery"/> (lower-cased first when <paramref name="foldCase"/>),
    /// adding to <paramref name="candidates"/> every prefix entry along the way, regex entries whose
    /// literal prefix the path has, and, at the end of the path proper, the exact entries.
    /// </summary>
    public void Collect(ReadOnlySpan<byte> pathAndQuery, int pathLength, bool foldCase, ref CandidateSet candidates)
    {
        var node = 0;
        for (var depth = 0; ; depth++)
        {
            ref readonly var n = ref _nodes[node];
            candidates.AddRange(n.Prefix);
            if (depth <= pathLength)
            {
                // A regex sees the path without its query, so its literal prefix must lie within the path.
                candidates.AddRange(n.Regex);
            }

            if (depth == pathLength)
            {
                candidates.AddRange(n.Exact);
            }

            if (depth == pathAndQuery.Length)
            {
                return;
            }

            var b = pathAndQuery[depth];
            if (foldCase && (uint)(b - 'A') <= 'Z' - 'A')
            {
                b |= 0x20;
            }

            var next = -1;
            var end = n.FirstEdge + n.EdgeCount;
            for (var e = n.FirstEdge; e < end; e++)
            {
                var label = _edgeBytes[e];
                if (label == b)
                {
                    next = _edgeTargets[e];
                    break;
                }

                if (label > b)
                {
                    break;
                }
            }

            if (next < 0)
            {
                return;
            }

            node = next;
        }
    }

    internal sealed class Builder
    {
        private readonly List<MutableNode> _nodes = [new MutableNode()];

        public void AddPrefix(ReadOnlySpan<byte> key, int entry) => NodeFor(key).Prefix.Add(entry);

        public void AddExact(ReadOnlySpan<byte> key, int entry) => NodeFor(key).Exact.Add(entry);

        public void AddRegex(ReadOnlySpan<byte> literalPrefix, int entry) => NodeFor(literalPrefix).Regex.Add(entry);

        public PathTrie Build()
        {
            var nodes = new Node[_nodes.Count];
            var edgeBytes = new List<byte>();
            var edgeTargets = new List<int>();
            for (var i = 0; i < _nodes.Count; i++)
            {
                var m = _nodes[i];
                var first = edgeBytes.Count;
                foreach (var (label, target) in m.Children.OrderBy(c => c.Key))
                {
                    edgeBytes.Add(label);
                    edgeTargets.Add(target);
                }

                nodes[i] = new Node(first, m.Children.Count, [.. m.Prefix], [.. m.Exact], [.. m.Regex]);
            }

            return new PathTrie(nodes, [.. edgeBytes], [.. edgeTargets]);
        }

        private MutableNode NodeFor(ReadOnlySpan<byte> key)
        {
            var node = 0;
            foreach (var b in key)
            {
                if (!_nodes[node].Children.TryGetValue(b, out var child))
                {
                    child = _nodes.Count;
                    _nodes.Add(new MutableNode());
                    _nodes[node].Children[b] = child;
                }

                node = child;
            }

            return _nodes[node];
        }

        internal readonly record struct Node(int FirstEdge, int EdgeCount, int[] Prefix, int[] Exact, int[] Regex);

        private sealed class MutableNode
        {
            public Dictionary<byte, int> Children { get; } = [];

            public List<int> Prefix { get; } = [];

            public List<int> Exact { get; } = [];

            public List<int> Regex { get; } = [];
        }
    }
}
