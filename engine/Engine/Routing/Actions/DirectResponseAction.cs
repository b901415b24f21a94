namespace Engine.Routing.Actions;

/// <summary><c>directResponse</c>: a fixed local reply (Envoy DirectResponseAction).</summary>
internal sealed class DirectResponseAction
{
    public DirectResponseAction(int status, byte[] body)
    {
        Status = status;
        Body = body;
    }

    public int Status { get; }

    public byte[] Body { get; }
}
