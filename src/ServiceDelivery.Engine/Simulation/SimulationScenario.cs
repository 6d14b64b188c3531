using System.Text.Json;
using System.Text.Json.Serialization;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;

namespace ServiceDelivery.Engine.Simulation;

/// <summary>What a designer did in one step of a simulation.</summary>
public enum ScenarioMove
{
    Act,
    Advance,
    OpenDispute,
    ResolveDispute,
}

/// <summary>One step: a party's action with its form, time moving on by <paramref name="By"/>, or a dispute.</summary>
public sealed record ScenarioStep(ScenarioMove Move, ActorRole? Role = null, string? Action = null, IReadOnlyDictionary<string, string>? Fields = null, TimeSpan? By = null);

/// <summary>Where a replay ended: passed when in the expected stage; otherwise the step that was refused, if any.</summary>
public sealed record ScenarioReplay(bool Passed, string EndStage, int? RefusedStep, string? Refusal);

/// <summary>
/// A path through a definition saved from the simulator with the stage it must end in. Publishing replays every
/// saved scenario on the new version: a change that breaks a path a designer cared about is caught before any
/// delivery runs on it.
/// </summary>
public sealed record SimulationScenario(string Name, IReadOnlyList<ScenarioStep> Steps, string ExpectedStage)
{
    /// <summary>Every replay starts at the same virtual moment, so a scenario means the same thing every time.</summary>
    public static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.FromHours(8));

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(IReadOnlyList<ScenarioStep> steps) => JsonSerializer.Serialize(steps, Json);

    public static IReadOnlyList<ScenarioStep> DeserializeSteps(string json) => JsonSerializer.Deserialize<List<ScenarioStep>>(json, Json) ?? [];

    public ScenarioReplay Replay(ProcessDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Simulation simulation;
        try
        {
            simulation = Simulation.Start(definition, Start);
        }
        catch (InvalidOperationException ex)
        {
            return new ScenarioReplay(false, string.Empty, 0, ex.Message);
        }

        for (var i = 0; i < Steps.Count; i++)
        {
            if (Take(simulation, Steps[i]) is { } refusal)
            {
                return new ScenarioReplay(false, simulation.State.Stage, i, refusal);
            }
        }

        return new ScenarioReplay(simulation.State.Stage == ExpectedStage, simulation.State.Stage, null, null);
    }

    // Null when the step was taken; otherwise why the engine (or the step itself) refused it.
    private static string? Take(Simulation simulation, ScenarioStep step)
    {
        switch (step.Move)
        {
            case ScenarioMove.Act when step.Role is { } role && step.Action is { } action:
                return simulation.Act(role, action, step.Fields ?? new Dictionary<string, string>()) is Rejection rejected ? rejected.Code.ToString() : null;
            case ScenarioMove.Advance when step.By is { } by && by >= TimeSpan.Zero:
                simulation.Advance(by);
                return null;
            case ScenarioMove.OpenDispute:
                return simulation.OpenDispute() is Rejection refused ? refused.Code.ToString() : null;
            case ScenarioMove.ResolveDispute when !simulation.State.OpenDisputes.IsEmpty:
                return simulation.ResolveDispute() is Rejection notResolved ? notResolved.Code.ToString() : null;
            default:
                return "invalid_step";
        }
    }
}
