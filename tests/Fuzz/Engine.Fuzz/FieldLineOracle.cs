using Engine.Protocols.Http;

namespace Engine.Fuzz;

/// <summary>
/// The proxy copies a parsed head's unedited field lines from its arena in runs instead of writing
/// each field (<see cref="HttpHead.TryGetFieldLine"/>): every line it would copy must be exactly the
/// field's name, ": ", its value and CRLF, whatever bytes the head came in.
/// </summary>
internal static class FieldLineOracle
{
    public static void Check(HttpHead head)
    {
        foreach (ref readonly var field in head.Headers)
        {
            if (!head.TryGetFieldLine(field, out var line))
            {
                continue;
            }

            byte[] expected = [.. head.Span(field.Name), (byte)':', (byte)' ', .. head.Span(field.Value), (byte)'\r', (byte)'\n'];
            OracleViolation.Equal(Convert.ToHexString(expected), Convert.ToHexString(head.Span(line)), "field line copied from the arena");
        }
    }
}
