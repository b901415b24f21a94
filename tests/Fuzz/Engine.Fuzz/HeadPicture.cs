using System.Text;
using Engine.Protocols.Http;

namespace Engine.Fuzz;

/// <summary>
/// Everything a parsed head says, as one string, so two parses can be compared field for field.
/// The "round-trip" view leaves out what re-serialising legitimately changes: the version (we
/// always write HTTP/1.1) and, for absolute-form targets, the scheme and authority (we write
/// origin-form and the Host header then names the authority).
/// </summary>
internal static class HeadPicture
{
    public static string Of(HttpHead head, bool roundTripView = false, bool ignoreTargetForm = false)
    {
        var text = new StringBuilder();
        if (head is HttpRequestHead request)
        {
            text.Append($"{request.Method} [{Text(request, request.MethodBytes)}] [{Text(request, request.Path)}] q={request.QueryOffset} ");
            text.Append($"expect={request.ExpectContinue} hosts={request.HostCount} ");
            if (!ignoreTargetForm)
            {
                text.Append($"scheme=[{Text(request, request.Scheme)}] authority=[{Text(request, request.Authority)}] abs={request.AbsoluteForm} ");
            }
        }
        else if (head is HttpResponseHead response)
        {
            text.Append($"{response.StatusCode} [{Text(response, response.Reason)}] ");
        }

        if (!roundTripView)
        {
            text.Append($"{head.Version} ");
        }

        text.Append($"cl={head.ContentLength} chunked={head.Chunked} conn={head.Connection}");
        for (var i = 0; i < head.HeaderCount; i++)
        {
            text.Append($" [{Text(head, head.HeaderAt(i).Name)}:{Text(head, head.HeaderAt(i).Value)}:{head.HeaderAt(i).Known}]");
        }

        return text.ToString();
    }

    private static string Text(HttpHead head, ByteRange range) => Encoding.Latin1.GetString(head.Span(range));
}
