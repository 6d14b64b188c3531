using ServiceDelivery.Application.Common;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Deliveries;

/// <summary>
/// The one place that says who may see a delivery and in which role a caller acts on it. Buyers see their own
/// deliveries, provider staff their provider's, the platform and the marketplace all. A delivery a caller may not
/// see is, to that caller, not found.
/// </summary>
public static class DeliveryAccess
{
    public static bool CanSee(Caller caller, DeliveryRecord delivery)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(delivery);
        return SeesAll(caller) || PartyRoles(caller, delivery).Count > 0;
    }

    /// <summary>The platform and the marketplace see every delivery.</summary>
    public static bool SeesAll(Caller caller) => caller.Is(Caller.Platform) || caller.Is(Caller.Marketplace);

    /// <summary>Deliveries the caller may see, as a query.</summary>
    public static IQueryable<DeliveryRecord> VisibleTo(this IQueryable<DeliveryRecord> deliveries, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (SeesAll(caller))
        {
            return deliveries;
        }

        // One plain predicate per case, so PostgreSQL sees "buyer_id = $1" and uses the (buyer_id, created_at) index;
        // an OR with parameter null checks would hide it.
        var buyerId = caller.Is(Caller.Buyer) ? caller.Id : null;
        var providerId = caller.Is(Caller.Provider) ? caller.ProviderId : null;
        return (buyerId, providerId) switch
        {
            (not null, null) => deliveries.Where(d => d.BuyerId == buyerId),
            (null, not null) => deliveries.Where(d => d.ProviderId == providerId),
            (not null, not null) => deliveries.Where(d => d.BuyerId == buyerId || d.ProviderId == providerId),
            _ => deliveries.Where(d => false),
        };
    }

    /// <summary>The roles the caller holds on this delivery: buyer, provider staff, platform.</summary>
    public static IReadOnlyList<ActorRole> PartyRoles(Caller caller, DeliveryRecord delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return PartyRoles(caller, delivery.BuyerId, delivery.ProviderId);
    }

    /// <summary>The actions the caller may perform on the delivery now, in the definition's order.</summary>
    public static IReadOnlyList<ActionDefinition> AvailableActions(Caller caller, DeliveryView delivery, ProcessDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(definition);
        var stage = definition.Stage(delivery.Stage);
        return [.. PartyRoles(caller, delivery.Buyer.Id, delivery.Provider.Id).SelectMany(role => stage.ActionsFor(role)).DistinctBy(a => a.Key)];
    }

    private static List<ActorRole> PartyRoles(Caller caller, string buyerId, string providerId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var roles = new List<ActorRole>(3);
        if (caller.Is(Caller.Buyer) && buyerId == caller.Id)
        {
            roles.Add(ActorRole.Buyer);
        }

        if (caller.Is(Caller.Provider) && caller.ProviderId is not null && providerId == caller.ProviderId)
        {
            roles.Add(ActorRole.Provider);
        }

        if (caller.Is(Caller.Platform))
        {
            roles.Add(ActorRole.Platform);
        }

        return roles;
    }

    /// <summary>
    /// The role to act in: one the action allows if the caller holds it, otherwise the caller's first role on the
    /// delivery (so the engine can say forbidden_action); null when the caller has no role on it.
    /// </summary>
    public static ActorRole? ActingRole(Caller caller, DeliveryRecord delivery, ActionDefinition? action)
    {
        var roles = PartyRoles(caller, delivery);
        if (action is not null)
        {
            foreach (var role in roles)
            {
                if (action.Roles.Contains(role))
                {
                    return role;
                }
            }
        }

        return roles.Count > 0 ? roles[0] : null;
    }
}
