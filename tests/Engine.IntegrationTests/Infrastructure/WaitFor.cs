namespace Engine.IntegrationTests.Infrastructure;

/// <summary>
/// Polls for a condition instead of sleeping a guessed time: returns as soon as it holds, fails
/// only after a generous deadline (so a slow machine makes the test slower, not red).
/// </summary>
internal static class WaitFor
{
    public static async Task ConditionAsync(Func<bool> condition, int timeoutMs = 15_000, string? because = null)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException("condition not met within " + timeoutMs + " ms" + (because is null ? string.Empty : ": " + because));
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }
}
