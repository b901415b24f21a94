namespace Engine.LoadGen;

/// <summary>The snake_case names error causes have in the JSON results.</summary>
internal static class ErrorNames
{
    public static string Of(ErrorCause cause) => cause switch
    {
        ErrorCause.Connect => "connect",
        ErrorCause.Send => "send",
        ErrorCause.Reset => "reset",
        ErrorCause.Closed => "closed",
        ErrorCause.Protocol => "protocol",
        ErrorCause.Unsolicited => "unsolicited",
        ErrorCause.Timeout => "timeout",
        ErrorCause.Status4xx => "status_4xx",
        ErrorCause.Status5xx => "status_5xx",
        _ => cause.ToString(),
    };
}
