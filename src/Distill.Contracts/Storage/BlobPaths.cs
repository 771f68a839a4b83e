using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Distill.Contracts.Storage;

/// <summary>
/// Where everything lives, in three containers:
/// <list type="bullet">
/// <item><c>uploads/{uploadId}/pipeline.json</c>, <c>…/teacher/…</c>, <c>…/data/…</c>: what a user submits. The manifest is
/// written last; its arrival starts the run.</item>
/// <item><c>runs/{runId}/state.json</c> (the run's one source of truth), <c>runs/{runId}/stages/{stage}/lease</c>,
/// <c>runs/{runId}/stages/{stage}/last-error-{attempt}.json</c>,
/// <c>runs/{runId}/stages/{stage}/checkpoints/…</c> (<c>latest.json</c> points at the current one),
/// <c>runs/{runId}/artifacts/{name}/…</c> (what a stage hands to the next), <c>runs/{runId}/report/…</c>.</item>
/// <item><c>models/{name}/{runId}/…</c>: the published student.</item>
/// </list>
/// The run id is the upload id: the same upload's manifest event delivered twice names the same run, so it creates one
/// run, not two; re-running an upload means uploading it under a new id.
/// Ids and names (<see cref="IdProblem"/>) are 1 to 63 lowercase letters, digits and '-', starting with a letter or
/// digit, so they are safe in blob names, message ids (<c>{runId}:{stage}:{attempt}</c>) and CloudEvents sources.
/// </summary>
public static class BlobPaths
{
    public const string UploadsContainer = "uploads";
    public const string RunsContainer = "runs";
    public const string ModelsContainer = "models";

    /// <summary>The manifest's file name in an upload; writing it commits the upload.</summary>
    public const string ManifestFileName = "pipeline.json";

    /// <summary>The run state's file name in <c>runs/{runId}/</c>.</summary>
    public const string StateFileName = "state.json";

    /// <summary>The checkpoint pointer's file name in a stage's checkpoints folder.</summary>
    public const string CheckpointPointerFileName = "latest.json";

    /// <summary>The longest id or name.</summary>
    public const int MaxIdLength = 63;

    /// <summary>The longest path inside an upload.</summary>
    public const int MaxRelativePathLength = 900;

    private const int MaxSegmentBytes = 255;

    /// <summary>The folder of an upload: <c>uploads/{uploadId}</c>.</summary>
    public static BlobLocation Upload(string uploadId) => Location(UploadsContainer, Id(uploadId, nameof(uploadId)));

    /// <summary><c>uploads/{uploadId}/pipeline.json</c>.</summary>
    public static BlobLocation UploadManifest(string uploadId) => Upload(uploadId).Child(ManifestFileName);

    /// <summary>A file or folder of an upload, from a path relative to the upload's root (as the manifest writes them).</summary>
    public static BlobLocation UploadFile(string uploadId, string relativePath) => Upload(uploadId).Child(relativePath);

    /// <summary>The folder of a run: <c>runs/{runId}</c>.</summary>
    public static BlobLocation Run(string runId) => Location(RunsContainer, Id(runId, nameof(runId)));

    /// <summary><c>runs/{runId}/state.json</c>.</summary>
    public static BlobLocation RunState(string runId) => Run(runId).Child(StateFileName);

    /// <summary>The folder of a stage: <c>runs/{runId}/stages/{stage}</c>.</summary>
    public static BlobLocation Stage(string runId, string stage) => Run(runId).Child("stages/" + Id(stage, nameof(stage)));

    /// <summary>The blob whose lease fences a stage: <c>runs/{runId}/stages/{stage}/lease</c>.</summary>
    public static BlobLocation StageLease(string runId, string stage) => Stage(runId, stage).Child("lease");

    /// <summary>
    /// The last unexpected error a runner met on an attempt of a stage, before abandoning its command:
    /// <c>runs/{runId}/stages/{stage}/last-error-{attempt}.json</c>.
    /// </summary>
    public static BlobLocation StageLastError(string runId, string stage, int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        return Stage(runId, stage).Child(Invariant($"last-error-{attempt}.json"));
    }

    /// <summary>The folder of a stage's checkpoints: <c>runs/{runId}/stages/{stage}/checkpoints</c>.</summary>
    public static BlobLocation StageCheckpoints(string runId, string stage) => Stage(runId, stage).Child("checkpoints");

    /// <summary>One checkpoint's folder: <c>runs/{runId}/stages/{stage}/checkpoints/{checkpoint}</c>.</summary>
    public static BlobLocation StageCheckpoint(string runId, string stage, string checkpoint) =>
        StageCheckpoints(runId, stage).Child(Segment(checkpoint, nameof(checkpoint)));

    /// <summary>The pointer that makes a checkpoint current: <c>runs/{runId}/stages/{stage}/checkpoints/latest.json</c>.</summary>
    public static BlobLocation StageCheckpointPointer(string runId, string stage) => StageCheckpoints(runId, stage).Child(CheckpointPointerFileName);

    /// <summary>An artifact's folder: <c>runs/{runId}/artifacts/{name}</c>.</summary>
    public static BlobLocation Artifact(string runId, string name) => Run(runId).Child("artifacts/" + Id(name, nameof(name)));

    /// <summary>The folder of a run's events, one blob per event: <c>runs/{runId}/events</c>.</summary>
    public static BlobLocation RunEvents(string runId) => Run(runId).Child("events");

    /// <summary>
    /// The blob of one event: <c>runs/{runId}/events/{id}.json</c>, the event id without its run id prefix and with
    /// ':' as '~' (<c>distill.stage.completed~distill~1.json</c>), so an event is stored once whoever publishes it.
    /// </summary>
    public static BlobLocation RunEvent(string runId, string eventId)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        var local = eventId.StartsWith(runId + ":", StringComparison.Ordinal) ? eventId[(runId.Length + 1)..] : eventId;
        return RunEvents(runId).Child(Segment(local.Replace(':', '~') + ".json", nameof(eventId)));
    }

    /// <summary>The evaluation report's folder: <c>runs/{runId}/report</c>.</summary>
    public static BlobLocation Report(string runId) => Run(runId).Child("report");

    /// <summary>The published student's folder: <c>models/{name}/{runId}</c>.</summary>
    public static BlobLocation PublishedModel(string name, string runId) =>
        Location(ModelsContainer, Id(name, nameof(name)) + "/" + Id(runId, nameof(runId)));

    /// <summary>
    /// Recognises an upload's manifest, <c>uploads/{uploadId}/pipeline.json</c>, and returns its upload id (which is the
    /// run id). False for any other blob: another container, another file name, a nested folder, or an upload id that
    /// is not valid (<see cref="IdProblem"/> says why).
    /// </summary>
    public static bool TryParseUploadManifest(string container, string blobName, [NotNullWhen(true)] out string? uploadId)
    {
        uploadId = null;
        if (container != UploadsContainer || blobName is null)
        {
            return false;
        }
        var slash = blobName.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !blobName.AsSpan(slash + 1).SequenceEqual(ManifestFileName))
        {
            return false;
        }
        var id = blobName[..slash];
        if (IdProblem(id) is not null)
        {
            return false;
        }
        uploadId = id;
        return true;
    }

    /// <summary>
    /// <see cref="TryParseUploadManifest(string, string, out string?)"/> for a storage event's subject
    /// (<c>/blobServices/default/containers/uploads/blobs/{uploadId}/pipeline.json</c>, as Event Grid's BlobCreated has it).
    /// </summary>
    public static bool TryParseUploadManifestSubject(string subject, [NotNullWhen(true)] out string? uploadId)
    {
        uploadId = null;
        const string Start = "/blobServices/default/containers/";
        const string Blobs = "/blobs/";
        if (subject is null || !subject.StartsWith(Start, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = subject[Start.Length..];
        var blobs = rest.IndexOf(Blobs, StringComparison.Ordinal);
        return blobs > 0 && TryParseUploadManifest(rest[..blobs], rest[(blobs + Blobs.Length)..], out uploadId);
    }

    /// <summary>
    /// Why <paramref name="id"/> cannot be a run id, upload id, stage, artifact or model name; null when it can.
    /// </summary>
    public static string? IdProblem(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return "is empty";
        }
        if (id.Length > MaxIdLength)
        {
            return Invariant($"has {id.Length} characters; at most {MaxIdLength} are allowed");
        }
        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            if (!(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return Invariant($"'{id}' has '{c}' at {i}; only lowercase letters, digits and '-' are allowed");
            }
        }
        if (id[0] == '-')
        {
            return $"'{id}' starts with '-'; it must start with a letter or digit";
        }
        return null;
    }

    /// <summary>True when <paramref name="id"/> is a valid id or name (<see cref="IdProblem"/>).</summary>
    public static bool IsValidId(string? id) => IdProblem(id) is null;

    /// <summary>
    /// Why <paramref name="path"/> cannot name a file or folder inside an upload; null when it can. A path is relative to
    /// the upload's root, uses '/', and stays inside the upload: no leading '/', no '..' or '.' segments, no empty
    /// segments (one trailing '/' is allowed for a folder), no '\', ':' or control characters, no segment ending in '.'.
    /// </summary>
    public static string? RelativePathProblem(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "is empty";
        }
        if (path.Length > MaxRelativePathLength)
        {
            return Invariant($"has {path.Length} characters; at most {MaxRelativePathLength} are allowed");
        }
        if (path[0] == '/' || path[0] == '\\')
        {
            return $"'{path}' is absolute; paths are relative to the upload's root";
        }
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '\\')
            {
                return $"'{path}' has a '\\'; separate folders with '/'";
            }
            if (c == ':')
            {
                return $"'{path}' has a ':'; paths are relative to the upload's root (no drive letters or URLs)";
            }
            if (char.IsControl(c))
            {
                return Invariant($"'{path}' has the control character U+{(int)c:X4}");
            }
        }
        var trimmed = path.EndsWith('/') ? path[..^1] : path;
        foreach (var segment in trimmed.Split('/'))
        {
            if (segment.Length == 0)
            {
                return $"'{path}' has an empty segment (a doubled '/')";
            }
            if (segment == "..")
            {
                return $"'{path}' leaves the upload ('..' is not allowed); paths are relative to the upload's root";
            }
            if (segment == ".")
            {
                return $"'{path}' has a '.' segment; write the path without it";
            }
            if (segment.EndsWith('.'))
            {
                return $"'{path}' has the segment '{segment}', which ends in '.'";
            }
            if (Encoding.UTF8.GetByteCount(segment) > MaxSegmentBytes)
            {
                return Invariant($"'{path}' has a segment of more than {MaxSegmentBytes} UTF-8 bytes");
            }
        }
        return null;
    }

    private static BlobLocation Location(string container, string name) => new() { Container = container, Name = name };

    private static string Id(string id, string parameter) =>
        IdProblem(id) is { } problem ? throw new ArgumentException($"{parameter} {problem}", parameter) : id;

    private static string Segment(string segment, string parameter)
    {
        var problem = RelativePathProblem(segment);
        if (problem is null && segment.Contains('/', StringComparison.Ordinal))
        {
            problem = "it has a '/'";
        }
        return problem is null ? segment : throw new ArgumentException($"{parameter} must be one path segment: {problem}", parameter);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
