namespace Distill.Contracts.Manifests;

/// <summary><c>output</c>: how the published student is named.</summary>
public sealed record OutputSection
{
    // Settable, not init-only: see ContractsJsonContext.

    /// <summary>
    /// The model name the student is published under (<c>models/{name}/{runId}/</c>), an id like the manifest's name.
    /// Default: the manifest's <c>name</c>.
    /// </summary>
    public string? Name { get; set; }
}
