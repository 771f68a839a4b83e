namespace Distill.Pipeline.Storage;

/// <summary>One blob of a listing: its full name in the container and its properties.</summary>
public sealed record BlobItem(string Name, BlobProperties Properties);
