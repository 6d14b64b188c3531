using System.Collections.Immutable;

namespace ServiceDelivery.Engine.Definitions;

/// <summary>Who is told what when something happens: roles and a template key.</summary>
/// <param name="Template">Template key, one of <see cref="NotificationTemplates.Known"/>.</param>
/// <param name="To">Recipients by role.</param>
public sealed record NotificationRule(string Template, ImmutableArray<ActorRole> To);
