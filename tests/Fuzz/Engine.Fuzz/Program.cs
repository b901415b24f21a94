using System.Diagnostics;
using System.Globalization;
using SharpFuzz;

namespace Engine.Fuzz;

/// <summary>
/// <c>Engine.Fuzz TARGET</c>: the SharpFuzz persistent-mode loop, run by afl-fuzz (scripts/fuzz.sh).
/// <c>Engine.Fuzz TARGET --replay PATH…</c>: runs files (or every file in folders) once each and
/// prints what each did: reproduces a finding, or checks a corpus.
/// <c>Engine.Fuzz TARGET --mutate --corpus DIR --seconds N [--dict FILE] [--seed N] [--findings DIR]</c>:
/// the coverage-less fallback when AFL++ cannot run.
/// <c>Engine.Fuzz list</c>: the targets.
/// </summary>
internal static class Program
{
    /// <summary>AFL's edge map size, which SharpFuzz uses.</summary>
    private const int TraceMapSize = 1 << 16;

    public static unsafe int Main(string[] args)
    {
        // Instrumented assemblies record edges into SharpFuzz's trace map from their first
        // instruction on; afl-fuzz's shared memory replaces it inside Fuzzer.Run. Until then (and in
        // --replay/--mutate, where nobody reads it) they need a map of their own to write to.
        SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(TraceMapSize);

        if (args.Length == 0 || args[0] is "list" or "--help" or "-h")
        {
            foreach (var name in FuzzTargets.Names)
            {
                Console.WriteLine($"{name,-10} {FuzzTargets.Create(name).Description}");
            }

            return args.Length == 0 ? 2 : 0;
        }

        var target = FuzzTargets.Create(args[0]);
        var options = args.Skip(1).ToList();
        if (options.Remove("--replay"))
        {
            return Replay(target, options);
        }

        if (options.Remove("--mutate"))
        {
            return Mutate(target, options);
        }

        // Under afl-fuzz: every input arrives on stdin; an exception is reported as a crash.
        var buffer = new MemoryStream();
        Fuzzer.Run(stream =>
        {
            buffer.SetLength(0);
            stream.CopyTo(buffer);
            target.Run(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        });
        return 0;
    }

    private static int Replay(IFuzzTarget target, List<string> paths)
    {
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]).ToList();
        var failed = 0;
        foreach (var file in files)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                target.Run(File.ReadAllBytes(file));
                Console.WriteLine($"ok     {file} ({Stopwatch.GetElapsedTime(started).TotalMilliseconds:F1} ms)");
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine($"FAILED {file}\n{e}");
            }
        }

        Console.WriteLine($"{target.Name}: {files.Count - failed} ok, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    private static int Mutate(IFuzzTarget target, List<string> options)
    {
        string? Value(string name)
        {
            var i = options.IndexOf(name);
            return i >= 0 && i + 1 < options.Count ? options[i + 1] : null;
        }

        var corpus = Value("--corpus") ?? throw new ArgumentException("--mutate needs --corpus DIR");
        var seconds = double.Parse(Value("--seconds") ?? "60", CultureInfo.InvariantCulture);
        var seed = int.Parse(Value("--seed") ?? "1", CultureInfo.InvariantCulture);
        var findings = Value("--findings") ?? Path.Combine("artifacts", "fuzz", "findings", target.Name);
        var seeds = Directory.EnumerateFiles(corpus).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        var mutator = new RandomMutator(target, seeds, AflDictionary.Load(Value("--dict")), seed, findings);
        var (executions, crashes) = mutator.Run(TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(10));
        Console.WriteLine($"execs_done : {executions}");
        Console.WriteLine($"run_time : {seconds:F0}");
        Console.WriteLine($"saved_crashes : {crashes}");
        Console.WriteLine("saved_hangs : 0");
        return 0;
    }
}
