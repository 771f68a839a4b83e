namespace Distill.Pipeline.Handlers;

/// <summary>A file a published student came from, as the model card lists it: its blob, size and ETag.</summary>
/// <param name="Role">What it is: <c>train</c>, <c>validation</c>, or <c>teacher</c>.</param>
/// <param name="Blob">Its blob, <c>{container}/{name}</c>.</param>
public sealed record LineageFile(string Role, string Blob, long Length, string ETag);
