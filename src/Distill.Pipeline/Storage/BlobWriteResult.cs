namespace Distill.Pipeline.Storage;

/// <summary>The version a write created: pass <see cref="ETag"/> to <see cref="BlobConditions.IfMatch"/> for the next conditional write.</summary>
public sealed record BlobWriteResult(string ETag, DateTimeOffset LastModified);
