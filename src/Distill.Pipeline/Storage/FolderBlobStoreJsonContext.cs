using System.Text.Json.Serialization;

namespace Distill.Pipeline.Storage;

/// <summary>Serializes <see cref="FolderBlobSidecar"/> without reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true, WriteIndented = true)]
[JsonSerializable(typeof(FolderBlobSidecar))]
internal sealed partial class FolderBlobStoreJsonContext : JsonSerializerContext;
