using Engine.Config.Model;

namespace Engine.Config.Validation;

/// <summary>
/// Valid fields this sidecar accepts but does not enforce. Istio would act on them, so a user
/// who relies on one is told, with its file and line, instead of finding out in production.
/// </summary>
internal static partial class DestinationRuleValidator
{
    private static void Unenforced(ResourceReporter r, TrafficPolicy policy)
    {
        if (policy.RetryBudget is { BudgetInterval: not null } budget)
        {
            r.Warning(budget.Source.Field("budgetInterval"), "budgetInterval is not enforced by this sidecar: the retry budget is a share of the requests active now, as Envoy's retry_budget is");
        }

        if (policy.ProxyProtocol is { } proxyProtocol)
        {
            r.Warning(proxyProtocol.Source, "proxyProtocol is sent on TCP and TLS routes only by this sidecar: its HTTP upstream connections, shared by all clients, carry no PROXY protocol header");
        }
    }
}
