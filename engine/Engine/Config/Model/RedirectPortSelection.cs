namespace Engine.Config.Model;

/// <summary>HTTPRedirect.RedirectPortSelection.</summary>
internal enum RedirectPortSelection
{
    FromProtocolDefault = 0,
    FromRequestPort = 1,
}
