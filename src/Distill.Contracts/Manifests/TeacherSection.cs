namespace Distill.Contracts.Manifests;

/// <summary>
/// <c>teacher</c>: where the teacher checkpoint is in the upload, a folder in the Hugging Face layout (config.json,
/// tokenizer.json, model.safetensors or model.safetensors.index.json with its shards).
/// </summary>
public sealed record TeacherSection
{
    /// <summary>The default folder.</summary>
    public const string DefaultPath = "teacher";

    // Settable, not init-only: see ContractsJsonContext.

    /// <summary>The folder, relative to the upload's root. Default <c>teacher</c>.</summary>
    public string Path { get; set; } = DefaultPath;
}
