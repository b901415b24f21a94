namespace Engine.Fuzz;

/// <summary>An oracle saw behaviour the code under test promises never to show (not an exception it threw itself).</summary>
internal sealed class OracleViolation(string message) : Exception(message)
{
    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new OracleViolation(message);
        }
    }

    public static void Equal<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            throw new OracleViolation($"{what}: expected {expected}, got {actual}");
        }
    }
}
