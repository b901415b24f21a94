namespace Engine.Routing.Policies;

/// <summary>gRPC status names (as Istio writes them in <c>abort.grpcStatus</c>) and their codes.</summary>
internal static class GrpcStatusCodes
{
    private static readonly string[] Names =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    public const int Cancelled = 1;
    public const int Unknown = 2;
    public const int DeadlineExceeded = 4;
    public const int PermissionDenied = 7;
    public const int ResourceExhausted = 8;
    public const int Unimplemented = 12;
    public const int Internal = 13;
    public const int Unavailable = 14;
    public const int Unauthenticated = 16;

    /// <summary>The code for a name, or null when unknown.</summary>
    public static int? FromName(string name)
    {
        var index = Array.IndexOf(Names, name);
        return index < 0 ? null : index;
    }

    public static string NameOf(int code) => (uint)code < (uint)Names.Length ? Names[code] : code.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
