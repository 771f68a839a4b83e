using Microsoft.Extensions.Logging;

namespace Distill.Pipeline.Handlers;

/// <summary>The logging scope every unit of work runs in.</summary>
public static class PipelineLogging
{
    /// <summary>The scope property holding the run id.</summary>
    public const string RunIdProperty = "RunId";

    /// <summary>The scope property holding the stage (absent for run-level work).</summary>
    public const string StageProperty = "Stage";

    /// <summary>Begins a scope carrying <c>RunId</c> and, when there is one, <c>Stage</c>.</summary>
    public static IDisposable? BeginRunScope(this ILogger logger, string runId, string? stage = null)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var properties = new Dictionary<string, object?>(2, StringComparer.Ordinal) { [RunIdProperty] = runId };
        if (stage is not null)
        {
            properties[StageProperty] = stage;
        }
        return logger.BeginScope(properties);
    }
}
