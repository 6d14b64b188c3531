using ServiceDelivery.Engine.Definitions;

namespace ServiceDelivery.Engine.Execution;

/// <summary>Who performs a command, in which role.</summary>
/// <param name="Id">User id (<c>sub</c>), or <c>system</c>.</param>
/// <param name="Name">Display name for the process log.</param>
/// <param name="Role">The role the actor acts in.</param>
public sealed record Actor(string Id, string Name, ActorRole Role)
{
    /// <summary>The service itself (timers).</summary>
    public static readonly Actor System = new("system", "系统", ActorRole.System);
}
