using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Distill.Contracts.Json;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;

namespace Distill.Contracts.Runs;

/// <summary>
/// A run's one source of truth, <c>runs/{runId}/state.json</c>. It changes only through the transition methods, which
/// are pure: each returns a new state, or throws <see cref="RunTransitionException"/> when the transition is not
/// allowed, so a handler applies one inside an ETag-conditional read-modify-write loop (read, transition, write
/// If-Match; on a conflict read again). A transition that has already been applied, delivered again, returns this
/// very instance: a handler compares with <see cref="object.ReferenceEquals"/> and skips the write. Out of a final
/// status (completed, failed) every other transition throws.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record RunState
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The run id, which is the upload id (<see cref="BlobPaths"/>).</summary>
    public required string RunId { get; init; }

    /// <summary>The manifest's name (the run id when the manifest had no valid one).</summary>
    public required string Name { get; init; }

    public required RunStatus Status { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>SHA-256 of the manifest the run was created from (<see cref="Manifests.PipelineManifest.Sha256"/>).</summary>
    public required string ManifestSha256 { get; init; }

    /// <summary>The upload the run reads (<see cref="BlobPaths.Upload"/>).</summary>
    public required BlobLocation Upload { get; init; }

    /// <summary>The stages in order (<see cref="StagePlan"/>); empty for a run rejected on upload.</summary>
    public required IReadOnlyList<StageState> Stages { get; init; }

    /// <summary>Why the run failed; null unless <see cref="Status"/> is failed.</summary>
    public RunFailure? Failure { get; init; }

    /// <summary>What the run produced; null unless <see cref="Status"/> is completed.</summary>
    public RunResult? Result { get; init; }

    /// <summary>True once the run completed or failed; nothing changes it after that.</summary>
    [JsonIgnore]
    public bool IsFinished => Status is RunStatus.Completed or RunStatus.Failed;

    /// <summary>True when every stage completed.</summary>
    [JsonIgnore]
    public bool AllStagesCompleted => Stages.Count > 0 && Stages.All(s => s.Status == StageStatus.Completed);

    /// <summary>A new run, accepted with its stages pending.</summary>
    public static RunState Accept(string runId, string name, string manifestSha256, IReadOnlyList<string> stages, DateTimeOffset now)
    {
        ThrowIfInvalidId(runId);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(manifestSha256);
        ArgumentNullException.ThrowIfNull(stages);
        if (stages.Count == 0)
        {
            throw new ArgumentException("a run needs at least one stage", nameof(stages));
        }
        foreach (var stage in stages)
        {
            if (!StageNames.IsKnown(stage))
            {
                throw new ArgumentException($"unknown stage '{stage}' (known: {string.Join(", ", StageNames.All)})", nameof(stages));
            }
        }
        if (stages.Distinct(StringComparer.Ordinal).Count() != stages.Count)
        {
            throw new ArgumentException($"a stage is listed twice: {string.Join(", ", stages)}", nameof(stages));
        }
        return new RunState
        {
            RunId = runId,
            Name = name,
            Status = RunStatus.Accepted,
            CreatedAt = now,
            UpdatedAt = now,
            ManifestSha256 = manifestSha256,
            Upload = BlobPaths.Upload(runId),
            Stages = stages.Select(StageState.Pending).ToArray(),
        };
    }

    /// <summary>A run that failed on arrival (an invalid manifest, an unreadable teacher), with every reason.</summary>
    public static RunState Reject(string runId, string name, string manifestSha256, IReadOnlyList<string> reasons, DateTimeOffset now)
    {
        ThrowIfInvalidId(runId);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(manifestSha256);
        return new RunState
        {
            RunId = runId,
            Name = name,
            Status = RunStatus.Failed,
            CreatedAt = now,
            UpdatedAt = now,
            ManifestSha256 = manifestSha256,
            Upload = BlobPaths.Upload(runId),
            Stages = [],
            Failure = new RunFailure { Reasons = RequireReasons(reasons) },
        };
    }

    /// <summary>The stage named <paramref name="stage"/>; throws <see cref="ArgumentException"/> when the run has none.</summary>
    public StageState Stage(string stage) =>
        Stages.FirstOrDefault(s => s.Name == stage)
        ?? throw new ArgumentException($"run '{RunId}' has no stage '{stage}' (its stages: {string.Join(", ", Stages.Select(s => s.Name))})", nameof(stage));

    /// <summary>True when the run has a stage named <paramref name="stage"/>.</summary>
    public bool HasStage(string stage) => Stages.Any(s => s.Name == stage);

    /// <summary>True when <paramref name="stage"/>'s attempt <paramref name="attempt"/> already completed: a redelivered command needs no work.</summary>
    public bool IsStageCompleted(string stage, int attempt) =>
        HasStage(stage) && Stage(stage) is { Status: StageStatus.Completed } s && s.Attempt == attempt;

    /// <summary>
    /// The stage to queue next: the first pending one when every stage before it completed; null when a stage is
    /// queued or running, when all completed, or when the run is finished.
    /// </summary>
    public string? NextStage()
    {
        if (IsFinished)
        {
            return null;
        }
        foreach (var stage in Stages)
        {
            switch (stage.Status)
            {
                case StageStatus.Completed:
                    continue;
                case StageStatus.Pending:
                    return stage.Name;
                default:
                    return null;
            }
        }
        return null;
    }

    /// <summary>
    /// Queues attempt <paramref name="attempt"/> of a stage: attempt 1 of a pending stage whose predecessors completed,
    /// or the next attempt of a queued or running one (its runner was lost; the new attempt supersedes the old, whose
    /// later reports are then rejected as stale). Queuing the current attempt again is a duplicate.
    /// </summary>
    public RunState QueueStage(string stage, int attempt, DateTimeOffset now)
    {
        var current = Stage(stage);
        if (current.Status is StageStatus.Queued or StageStatus.Running && current.Attempt == attempt)
        {
            return this;
        }
        RequireActive($"queue stage '{stage}'");
        var index = IndexOf(stage);
        if (Stages.Take(index).FirstOrDefault(s => s.Status != StageStatus.Completed) is { } blocking)
        {
            throw Illegal($"cannot queue stage '{stage}': stage '{blocking.Name}' before it is {Wire(blocking.Status)}, not completed");
        }
        var allowed = current.Status is StageStatus.Pending or StageStatus.Queued or StageStatus.Running && attempt == current.Attempt + 1;
        if (!allowed)
        {
            throw Illegal(current.Status is StageStatus.Pending or StageStatus.Queued or StageStatus.Running
                ? Invariant($"cannot queue attempt {attempt} of stage '{stage}': it is {Wire(current.Status)} at attempt {current.Attempt}, so the next attempt is {current.Attempt + 1}")
                : Invariant($"cannot queue stage '{stage}': it is already {Wire(current.Status)} (attempt {current.Attempt})"));
        }
        return WithStage(current with
        {
            Status = StageStatus.Queued,
            Attempt = attempt,
            QueuedAt = now,
            StartedAt = null,
            Runner = null,
        }, now);
    }

    /// <summary>
    /// A runner started the stage's current attempt: queued → running (the run becomes running). A running stage
    /// started again by another runner (its command was redelivered after the first runner was lost) records the new
    /// runner; by the same runner it is a duplicate.
    /// </summary>
    public RunState StartStage(string stage, int attempt, string runner, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(runner);
        var current = Stage(stage);
        if (current is { Status: StageStatus.Running } && current.Attempt == attempt && current.Runner == runner)
        {
            return this;
        }
        RequireActive($"start stage '{stage}'");
        RequireCurrentAttempt(current, attempt, "start");
        if (current.Status is not (StageStatus.Queued or StageStatus.Running))
        {
            throw Illegal($"cannot start stage '{stage}': it is {Wire(current.Status)}; only a queued stage starts");
        }
        var next = WithStage(current with
        {
            Status = StageStatus.Running,
            StartedAt = current.StartedAt ?? now,
            Runner = runner,
        }, now);
        return next with { Status = RunStatus.Running };
    }

    /// <summary>
    /// The running stage wrote a checkpoint at <paramref name="step"/>. A step at or before the recorded one, or a report
    /// that arrives after the attempt completed or failed (late or repeated deliveries), changes nothing.
    /// </summary>
    public RunState RecordCheckpoint(string stage, int attempt, long step, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var current = Stage(stage);
        if (current.Attempt == attempt && current.Status is StageStatus.Completed or StageStatus.Failed)
        {
            return this;
        }
        RequireActive($"record a checkpoint of stage '{stage}'");
        RequireCurrentAttempt(current, attempt, "record a checkpoint of");
        if (current.Status != StageStatus.Running)
        {
            throw Illegal($"cannot record a checkpoint of stage '{stage}': it is {Wire(current.Status)}, not running");
        }
        if (current.LastCheckpointStep is { } last && step <= last)
        {
            return this;
        }
        return WithStage(current with { LastCheckpointStep = step }, now);
    }

    /// <summary>The running stage finished: running → completed, with its metrics and artifacts. Completing it again is a duplicate.</summary>
    public RunState CompleteStage(
        string stage, int attempt, IReadOnlyDictionary<string, double> metrics, IReadOnlyDictionary<string, string> artifacts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(artifacts);
        var current = Stage(stage);
        if (current.Status == StageStatus.Completed && current.Attempt == attempt)
        {
            return this;
        }
        RequireActive($"complete stage '{stage}'");
        RequireCurrentAttempt(current, attempt, "complete");
        if (current.Status != StageStatus.Running)
        {
            throw Illegal($"cannot complete stage '{stage}': it is {Wire(current.Status)}, not running");
        }
        return WithStage(current with
        {
            Status = StageStatus.Completed,
            CompletedAt = now,
            Metrics = new Dictionary<string, double>(metrics, StringComparer.Ordinal),
            Artifacts = new Dictionary<string, string>(artifacts, StringComparer.Ordinal),
        }, now);
    }

    /// <summary>A queued or running stage failed: the stage and the run fail with <paramref name="reasons"/>. Failing it again is a duplicate.</summary>
    public RunState FailStage(string stage, int attempt, IReadOnlyList<string> reasons, DateTimeOffset now)
    {
        var current = Stage(stage);
        if (current.Status == StageStatus.Failed && current.Attempt == attempt)
        {
            return this;
        }
        RequireActive($"fail stage '{stage}'");
        RequireCurrentAttempt(current, attempt, "fail");
        if (current.Status is not (StageStatus.Queued or StageStatus.Running))
        {
            throw Illegal($"cannot fail stage '{stage}': it is {Wire(current.Status)}; only a queued or running stage fails");
        }
        var next = WithStage(current with { Status = StageStatus.Failed, CompletedAt = now }, now);
        return next with { Status = RunStatus.Failed, Failure = new RunFailure { Stage = stage, Reasons = RequireReasons(reasons) } };
    }

    /// <summary>Every stage completed, the gates passed and the student is published: the run completes. Completing it again is a duplicate.</summary>
    public RunState CompleteRun(RunResult result, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (Status == RunStatus.Completed)
        {
            return this;
        }
        RequireActive("complete the run");
        if (Stages.FirstOrDefault(s => s.Status != StageStatus.Completed) is { } unfinished)
        {
            throw Illegal($"cannot complete the run: stage '{unfinished.Name}' is {Wire(unfinished.Status)}, not completed");
        }
        return this with { Status = RunStatus.Completed, Result = result, UpdatedAt = now };
    }

    /// <summary>
    /// The run fails outside a stage's own report (a missed gate, a dead-lettered command): accepted or running → failed.
    /// A queued or running stage fails with it. Failing a failed run again is a duplicate: the first failure stands.
    /// </summary>
    public RunState FailRun(IReadOnlyList<string> reasons, DateTimeOffset now, string? stage = null)
    {
        var checkedReasons = RequireReasons(reasons);
        if (Status == RunStatus.Failed)
        {
            return this;
        }
        RequireActive("fail the run");
        if (stage is not null)
        {
            _ = Stage(stage);
        }
        var stages = Stages.Select(s => s.Status is StageStatus.Queued or StageStatus.Running
            ? s with { Status = StageStatus.Failed, CompletedAt = now }
            : s).ToArray();
        return this with
        {
            Status = RunStatus.Failed,
            Stages = stages,
            Failure = new RunFailure { Stage = stage, Reasons = checkedReasons },
            UpdatedAt = now,
        };
    }

    /// <summary>The state as indented JSON (state.json).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ContractsJsonContext.Indented.RunState);

    /// <summary>Reads a state.json; malformed JSON or another schema version throws <see cref="JsonException"/>.</summary>
    public static RunState FromJson(string json)
    {
        var state = ContractJson.Read(json, ContractsJsonContext.Default.RunState, "a run state");
        ContractJson.RequireSchemaVersion(state.SchemaVersion, CurrentSchemaVersion, "a run state");
        return state;
    }

    private int IndexOf(string stage)
    {
        for (var i = 0; i < Stages.Count; i++)
        {
            if (Stages[i].Name == stage)
            {
                return i;
            }
        }
        return -1;
    }

    private RunState WithStage(StageState stage, DateTimeOffset now)
    {
        var stages = Stages.ToArray();
        stages[IndexOf(stage.Name)] = stage;
        return this with { Stages = stages, UpdatedAt = now };
    }

    private void RequireActive(string transition)
    {
        if (IsFinished)
        {
            throw Illegal($"cannot {transition}: the run is {Wire(Status)}");
        }
    }

    private void RequireCurrentAttempt(StageState stage, int attempt, string verb)
    {
        if (stage.Attempt != attempt)
        {
            throw Illegal(attempt < stage.Attempt
                ? Invariant($"cannot {verb} stage '{stage.Name}' at attempt {attempt}: it was superseded by attempt {stage.Attempt}")
                : Invariant($"cannot {verb} stage '{stage.Name}' at attempt {attempt}: its current attempt is {stage.Attempt}"));
        }
    }

    private RunTransitionException Illegal(string message) => new($"run '{RunId}': {message}");

    private static string[] RequireReasons(IReadOnlyList<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        if (reasons.Count == 0 || reasons.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("a failure needs at least one reason, and no reason may be empty", nameof(reasons));
        }
        return reasons.ToArray();
    }

    private static void ThrowIfInvalidId(string runId)
    {
        if (BlobPaths.IdProblem(runId) is { } problem)
        {
            throw new ArgumentException($"runId {problem}", nameof(runId));
        }
    }

    private static string Wire(RunStatus status) => status switch
    {
        RunStatus.Accepted => "accepted",
        RunStatus.Running => "running",
        RunStatus.Completed => "completed",
        _ => "failed",
    };

    private static string Wire(StageStatus status) => status switch
    {
        StageStatus.Pending => "pending",
        StageStatus.Queued => "queued",
        StageStatus.Running => "running",
        StageStatus.Completed => "completed",
        _ => "failed",
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
