using System.Collections.Immutable;

namespace Engine.Config;

/// <summary>
/// Istio's <c>exportTo</c>: which namespaces see a VirtualService, DestinationRule or
/// ServiceEntry. Empty means the mesh default, every namespace (<c>*</c>); <c>.</c> is the
/// resource's own namespace; <c>~</c> is none; any other entry names a namespace.
/// </summary>
internal static class ExportVisibility
{
    public static bool IsVisible(ImmutableArray<string> exportTo, string resourceNamespace, string proxyNamespace)
    {
        if (exportTo.IsDefaultOrEmpty)
        {
            return true;
        }

        foreach (var entry in exportTo)
        {
            if (entry == "*" || entry == proxyNamespace || (entry == "." && resourceNamespace == proxyNamespace))
            {
                return true;
            }
        }

        return false; // "~", or namespaces that are not the proxy's
    }
}
