namespace Distill.Training.Data;

/// <summary>A built (or reused) dataset folder and its index; <see cref="Reused"/> when nothing had to be tokenized.</summary>
public sealed record TokenDatasetBuildResult(string Folder, TokenDatasetIndex Index, bool Reused);
