namespace Engine.Tests.Telemetry;

/// <summary>
/// Asserts that code allocates nothing in steady state. The runtime itself may allocate on the
/// calling thread now and then (tiered JIT promoting a hot method starts its background worker),
/// so the body runs in several windows after a warm-up and one clean window suffices; a real
/// per-call allocation shows in every window, multiplied by the window's size.
/// </summary>
internal static class Allocations
{
    public static void AssertSteadyStateAllocatesNothing(Action<int> body, int iterations = 2000)
    {
        for (var i = 0; i < iterations * 2; i++)
        {
            body(i);
        }

        var fewest = long.MaxValue;
        for (var window = 0; window < 5 && fewest > 0; window++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < iterations; i++)
            {
                body(i);
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(fewest == 0, $"allocated {fewest} bytes over {iterations} calls in the cleanest of 5 windows");
    }
}
