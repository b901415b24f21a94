namespace Engine.Fuzz;

/// <summary>
/// One thing to fuzz. <see cref="Run"/> gets one input and returns normally when the code under
/// test behaved; anything it throws is a finding (AFL++ records the input as a crash). Targets are
/// run millions of times in one process (SharpFuzz persistent mode), so they may keep reusable
/// state, and reusing it is itself checked: a head parsed into a reused object must equal one
/// parsed into a fresh one.
/// </summary>
internal interface IFuzzTarget
{
    string Name { get; }

    string Description { get; }

    void Run(ReadOnlySpan<byte> input);
}
