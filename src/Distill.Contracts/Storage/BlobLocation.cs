using System.Text.Json.Serialization;

namespace Distill.Contracts.Storage;

/// <summary>
/// A blob, or a folder of blobs, in Distill's storage: a container and a name inside it (for a folder, the prefix
/// without its trailing '/'). Build them with <see cref="BlobPaths"/>, which validates every id and name.
/// JSON: <c>{"container": "runs", "name": "run42/state.json"}</c>.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record BlobLocation
{
    /// <summary>One of <see cref="BlobPaths.UploadsContainer"/>, <see cref="BlobPaths.RunsContainer"/>, <see cref="BlobPaths.ModelsContainer"/>.</summary>
    public required string Container { get; init; }

    /// <summary>The blob name, or the folder's prefix without a trailing '/'.</summary>
    public required string Name { get; init; }

    /// <summary>A blob or folder under this folder: <c>{Name}/{relativePath}</c>.</summary>
    public BlobLocation Child(string relativePath)
    {
        if (BlobPaths.RelativePathProblem(relativePath) is { } problem)
        {
            throw new ArgumentException($"'{relativePath}' cannot name a blob under {this}: {problem}", nameof(relativePath));
        }
        return this with { Name = Name + "/" + relativePath.TrimEnd('/') };
    }

    /// <summary><c>{Container}/{Name}</c>.</summary>
    public override string ToString() => $"{Container}/{Name}";

    /// <summary>The prefix that lists this folder's blobs: <c>{Name}/</c>.</summary>
    [JsonIgnore]
    public string Prefix => Name + "/";
}
