using System.Diagnostics;

namespace Engine.Fuzz;

/// <summary>
/// The fallback when AFL++ cannot run (no System V shared memory, no afl-fuzz): a coverage-less
/// mutator over the seed corpus (bit flips, interesting bytes, dictionary tokens, deletions,
/// duplications, splices). Much weaker than coverage guidance, but the same oracles apply, and a
/// watchdog turns an input that runs longer than the timeout into a "hang" finding.
/// </summary>
internal sealed class RandomMutator
{
    private static readonly byte[] Interesting = [0, 0x09, 0x0A, 0x0D, 0x20, 0x22, 0x25, 0x2C, 0x2E, 0x2F, 0x30, 0x3A, 0x3B, 0x3D, 0x3F, 0x5C, 0x7F, 0x80, 0xFF];

    private readonly IFuzzTarget _target;
    private readonly List<byte[]> _seeds;
    private readonly List<byte[]> _tokens;
    private readonly Random _random;
    private readonly string _findings;
    private byte[] _current = [];
    private long _startedAt;

    public RandomMutator(IFuzzTarget target, List<byte[]> seeds, List<byte[]> tokens, int seed, string findings)
    {
        _target = target;
        _seeds = seeds.Count > 0 ? seeds : [[]];
        _tokens = tokens;
        _random = new Random(seed);
        _findings = findings;
    }

    public (long Executions, int Crashes) Run(TimeSpan duration, TimeSpan hangTimeout)
    {
        Directory.CreateDirectory(Path.Combine(_findings, "crashes"));
        Directory.CreateDirectory(Path.Combine(_findings, "hangs"));
        var watchdog = new Thread(() => Watch(hangTimeout)) { IsBackground = true };
        watchdog.Start();
        var crashes = new HashSet<string>(StringComparer.Ordinal);
        long executions = 0;
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end)
        {
            var input = Mutate(_seeds[_random.Next(_seeds.Count)]);
            Volatile.Write(ref _current, input);
            Volatile.Write(ref _startedAt, Stopwatch.GetTimestamp());
            try
            {
                _target.Run(input);
            }
            catch (Exception e)
            {
                // One file per distinct failure (exception type and first frame), like AFL's unique crashes.
                var signature = e.GetType().Name + " " + e.StackTrace?.Split('\n').FirstOrDefault()?.Trim();
                if (crashes.Add(signature))
                {
                    var file = Path.Combine(_findings, "crashes", $"id_{crashes.Count:D4}");
                    File.WriteAllBytes(file, input);
                    Console.Error.WriteLine($"crash {file}: {e.GetType().Name}: {e.Message}");
                }
            }

            Volatile.Write(ref _startedAt, 0);
            executions++;
        }

        return (executions, crashes.Count);
    }

    private void Watch(TimeSpan hangTimeout)
    {
        while (true)
        {
            Thread.Sleep(200);
            var started = Volatile.Read(ref _startedAt);
            if (started != 0 && Stopwatch.GetElapsedTime(started) > hangTimeout)
            {
                var file = Path.Combine(_findings, "hangs", "id_0001");
                File.WriteAllBytes(file, Volatile.Read(ref _current));
                Console.Error.WriteLine($"hang {file}: one input ran longer than {hangTimeout.TotalSeconds} s");
                Environment.Exit(3);
            }
        }
    }

    private byte[] Mutate(byte[] seed)
    {
        var data = new List<byte>(seed);
        var rounds = 1 + _random.Next(8);
        for (var i = 0; i < rounds; i++)
        {
            var at = data.Count == 0 ? 0 : _random.Next(data.Count + 1);
            switch (_random.Next(8))
            {
                case 0 when data.Count > 0:
                    data[Math.Min(at, data.Count - 1)] ^= (byte)(1 << _random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[Math.Min(at, data.Count - 1)] = Interesting[_random.Next(Interesting.Length)];
                    break;
                case 2:
                    data.Insert(at, Interesting[_random.Next(Interesting.Length)]);
                    break;
                case 3 when _tokens.Count > 0:
                    data.InsertRange(at, _tokens[_random.Next(_tokens.Count)]);
                    break;
                case 4 when data.Count > 0:
                    data.RemoveRange(Math.Min(at, data.Count - 1), Math.Min(1 + _random.Next(16), data.Count - Math.Min(at, data.Count - 1)));
                    break;
                case 5 when data.Count > 0:
                    var from = _random.Next(data.Count);
                    var length = Math.Min(1 + _random.Next(64), data.Count - from);
                    data.InsertRange(at, data.GetRange(from, length));
                    break;
                case 6:
                    var other = _seeds[_random.Next(_seeds.Count)];
                    var cut = other.Length == 0 ? 0 : _random.Next(other.Length);
                    data.RemoveRange(at, data.Count - at);
                    data.AddRange(other.AsSpan(cut).ToArray());
                    break;
                default:
                    data.Insert(at, (byte)_random.Next(256));
                    break;
            }
        }

        return [.. data];
    }
}
