using Distill.Contracts.Runs;
using Distill.Contracts.Stages;

namespace Distill.Contracts.Tests.Runs;

/// <summary>The run state's transitions: the legal path, duplicates as no-ops, illegal ones rejected with a clear message.</summary>
public sealed class RunStateTransitionTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 1, 2, 3, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, double> s_noMetrics = [];
    private static readonly Dictionary<string, string> s_noArtifacts = [];

    private static DateTimeOffset At(int minutes) => s_t0.AddMinutes(minutes);

    private static RunState Accepted() =>
        RunState.Accept("run42", "tiny-gpt2-kd", "ab12", [StageNames.Prepare, StageNames.Distill, StageNames.Evaluate], s_t0);

    private static RunState Running(string stage = StageNames.Prepare)
    {
        var state = Accepted();
        foreach (var name in new[] { StageNames.Prepare, StageNames.Distill, StageNames.Evaluate })
        {
            state = state.QueueStage(name, 1, At(1)).StartStage(name, 1, "runner-a", At(2));
            if (name == stage)
            {
                return state;
            }
            state = state.CompleteStage(name, 1, s_noMetrics, s_noArtifacts, At(3));
        }
        return state;
    }

    private static RunTransitionException Illegal(Func<RunState> transition) => Assert.Throws<RunTransitionException>(transition);

    [Fact]
    public void Accept_StartsWithEveryStagePending()
    {
        var state = Accepted();

        Assert.Equal(RunStatus.Accepted, state.Status);
        Assert.Equal((s_t0, s_t0), (state.CreatedAt, state.UpdatedAt));
        Assert.Equal("uploads/run42", state.Upload.ToString());
        Assert.All(state.Stages, s => Assert.Equal((StageStatus.Pending, 0), (s.Status, s.Attempt)));
        Assert.Equal(StageNames.Prepare, state.NextStage());
        Assert.False(state.IsFinished);
    }

    [Fact]
    public void FullRun_GoesThroughEveryStageToCompleted()
    {
        var state = Accepted();
        foreach (var stage in new[] { StageNames.Prepare, StageNames.Distill, StageNames.Evaluate })
        {
            Assert.Equal(stage, state.NextStage());
            state = state.QueueStage(stage, 1, At(1));
            Assert.Null(state.NextStage());
            state = state.StartStage(stage, 1, "runner-a", At(2));
            Assert.Equal(RunStatus.Running, state.Status);
            state = state.RecordCheckpoint(stage, 1, 100, At(3));
            state = state.CompleteStage(stage, 1, new Dictionary<string, double> { ["loss"] = 2.5 }, new Dictionary<string, string> { [stage] = $"runs/run42/artifacts/{stage}" }, At(4));
            Assert.True(state.IsStageCompleted(stage, 1));
        }
        Assert.True(state.AllStagesCompleted);
        Assert.Null(state.NextStage());

        var done = state.CompleteRun(RunStateJsonTests.Result(), At(5));

        Assert.Equal(RunStatus.Completed, done.Status);
        Assert.True(done.IsFinished);
        Assert.Equal(At(5), done.UpdatedAt);
        var distill = done.Stage(StageNames.Distill);
        Assert.Equal((StageStatus.Completed, 1, "runner-a", 100L), (distill.Status, distill.Attempt, distill.Runner, distill.LastCheckpointStep));
        Assert.Equal((At(1), At(2), At(4)), (distill.QueuedAt, distill.StartedAt, distill.CompletedAt));
        Assert.Equal(2.5, distill.Metrics["loss"]);
    }

    [Fact]
    public void Transitions_ArePure()
    {
        var accepted = Accepted();

        var queued = accepted.QueueStage(StageNames.Prepare, 1, At(1));

        Assert.Equal(StageStatus.Pending, accepted.Stage(StageNames.Prepare).Status);
        Assert.Equal(StageStatus.Queued, queued.Stage(StageNames.Prepare).Status);
        Assert.Equal(s_t0, accepted.UpdatedAt);
    }

    [Fact]
    public void RepeatedTransitions_ReturnTheSameInstance()
    {
        var queued = Accepted().QueueStage(StageNames.Prepare, 1, At(1));
        var running = queued.StartStage(StageNames.Prepare, 1, "runner-a", At(2));
        var checkpointed = running.RecordCheckpoint(StageNames.Prepare, 1, 50, At(3));
        var completed = checkpointed.CompleteStage(StageNames.Prepare, 1, s_noMetrics, s_noArtifacts, At(4));
        var failed = Running().FailStage(StageNames.Prepare, 1, ["bad data"], At(5));

        Assert.Same(queued, queued.QueueStage(StageNames.Prepare, 1, At(9)));
        Assert.Same(running, running.QueueStage(StageNames.Prepare, 1, At(9)));
        Assert.Same(running, running.StartStage(StageNames.Prepare, 1, "runner-a", At(9)));
        Assert.Same(checkpointed, checkpointed.RecordCheckpoint(StageNames.Prepare, 1, 50, At(9)));
        Assert.Same(checkpointed, checkpointed.RecordCheckpoint(StageNames.Prepare, 1, 20, At(9)));
        Assert.Same(completed, completed.CompleteStage(StageNames.Prepare, 1, s_noMetrics, s_noArtifacts, At(9)));
        Assert.Same(failed, failed.FailStage(StageNames.Prepare, 1, ["bad data"], At(9)));
        Assert.Same(failed, failed.FailRun(["dead-lettered"], At(9)));
        Assert.Same(completed, completed.RecordCheckpoint(StageNames.Prepare, 1, 80, At(9)));
        Assert.Same(failed, failed.RecordCheckpoint(StageNames.Prepare, 1, 80, At(9)));
    }

    [Fact]
    public void CompletedRun_RepeatedCompletion_ReturnsTheSameInstance()
    {
        var completed = Running(StageNames.Evaluate)
            .CompleteStage(StageNames.Evaluate, 1, s_noMetrics, s_noArtifacts, At(4))
            .CompleteRun(RunStateJsonTests.Result(), At(5));

        Assert.Same(completed, completed.CompleteRun(RunStateJsonTests.Result(), At(6)));
        Assert.Same(completed, completed.CompleteStage(StageNames.Evaluate, 1, s_noMetrics, s_noArtifacts, At(6)));
    }

    [Fact]
    public void StartStage_RedeliveredToAnotherRunner_RecordsTheNewRunnerAndKeepsTheStart()
    {
        var running = Running();

        var resumed = running.StartStage(StageNames.Prepare, 1, "runner-b", At(7));

        Assert.Equal("runner-b", resumed.Stage(StageNames.Prepare).Runner);
        Assert.Equal(At(2), resumed.Stage(StageNames.Prepare).StartedAt);
    }

    [Fact]
    public void QueueStage_NextAttempt_SupersedesTheRunningOne()
    {
        var running = Running().RecordCheckpoint(StageNames.Prepare, 1, 300, At(3));

        var requeued = running.QueueStage(StageNames.Prepare, 2, At(8));

        var stage = requeued.Stage(StageNames.Prepare);
        Assert.Equal((StageStatus.Queued, 2, At(8), 300L), (stage.Status, stage.Attempt, stage.QueuedAt, stage.LastCheckpointStep));
        Assert.Null(stage.Runner);
        Assert.Equal(
            "run 'run42': cannot complete stage 'prepare' at attempt 1: it was superseded by attempt 2",
            Illegal(() => requeued.CompleteStage(StageNames.Prepare, 1, s_noMetrics, s_noArtifacts, At(9))).Message);
        Assert.Equal(
            "run 'run42': cannot start stage 'prepare' at attempt 3: its current attempt is 2",
            Illegal(() => requeued.StartStage(StageNames.Prepare, 3, "runner-c", At(9))).Message);
    }

    [Fact]
    public void FailStage_FailsTheRunWithTheReasons()
    {
        var failed = Running(StageNames.Distill).FailStage(StageNames.Distill, 1, ["out of memory at step 12", "batch size 64 is too large"], At(6));

        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Equal(StageStatus.Failed, failed.Stage(StageNames.Distill).Status);
        Assert.Equal(StageNames.Distill, failed.Failure!.Stage);
        Assert.Equal(["out of memory at step 12", "batch size 64 is too large"], failed.Failure.Reasons);
        Assert.Null(failed.NextStage());
    }

    [Fact]
    public void FailRun_FailsTheActiveStageToo()
    {
        var failed = Running(StageNames.Distill).FailRun(["the stage command was dead-lettered after 5 deliveries"], At(6), StageNames.Distill);

        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Equal(StageStatus.Failed, failed.Stage(StageNames.Distill).Status);
        Assert.Equal(StageStatus.Completed, failed.Stage(StageNames.Prepare).Status);
        Assert.Equal(StageStatus.Pending, failed.Stage(StageNames.Evaluate).Status);
        Assert.Equal(StageNames.Distill, failed.Failure!.Stage);
    }

    [Fact]
    public void Reject_CreatesAFailedRunWithEveryReason()
    {
        var rejected = RunState.Reject("run42", "run42", "ab12", ["name: is required", "data.train: is required"], s_t0);

        Assert.Equal(RunStatus.Failed, rejected.Status);
        Assert.Empty(rejected.Stages);
        Assert.Null(rejected.Failure!.Stage);
        Assert.Equal(2, rejected.Failure.Reasons.Count);
        Assert.False(rejected.AllStagesCompleted);
    }

    [Fact]
    public void IllegalTransitions_AreRejectedWithAClearMessage()
    {
        var accepted = Accepted();
        var queued = accepted.QueueStage(StageNames.Prepare, 1, At(1));
        var running = Running();
        var failed = running.FailStage(StageNames.Prepare, 1, ["bad"], At(3));
        var completed = Running(StageNames.Evaluate).CompleteStage(StageNames.Evaluate, 1, s_noMetrics, s_noArtifacts, At(4)).CompleteRun(RunStateJsonTests.Result(), At(5));

        Assert.Equal("run 'run42': cannot complete stage 'prepare': it is queued, not running",
            Illegal(() => queued.CompleteStage(StageNames.Prepare, 1, s_noMetrics, s_noArtifacts, At(2))).Message);
        Assert.Equal("run 'run42': cannot complete stage 'prepare': it is pending, not running",
            Illegal(() => accepted.CompleteStage(StageNames.Prepare, 0, s_noMetrics, s_noArtifacts, At(2))).Message);
        Assert.Equal("run 'run42': cannot start stage 'prepare': it is pending; only a queued stage starts",
            Illegal(() => accepted.StartStage(StageNames.Prepare, 0, "runner-a", At(2))).Message);
        Assert.Equal("run 'run42': cannot queue stage 'distill': stage 'prepare' before it is queued, not completed",
            Illegal(() => queued.QueueStage(StageNames.Distill, 1, At(2))).Message);
        Assert.Equal("run 'run42': cannot queue attempt 2 of stage 'prepare': it is pending at attempt 0, so the next attempt is 1",
            Illegal(() => accepted.QueueStage(StageNames.Prepare, 2, At(2))).Message);
        Assert.Equal("run 'run42': cannot record a checkpoint of stage 'prepare': it is queued, not running",
            Illegal(() => queued.RecordCheckpoint(StageNames.Prepare, 1, 10, At(2))).Message);
        Assert.Equal("run 'run42': cannot fail stage 'distill': it is pending; only a queued or running stage fails",
            Illegal(() => running.FailStage(StageNames.Distill, 0, ["x"], At(2))).Message);
        Assert.Equal("run 'run42': cannot complete the run: stage 'prepare' is running, not completed",
            Illegal(() => running.CompleteRun(RunStateJsonTests.Result(), At(2))).Message);
        Assert.Equal("run 'run42': cannot queue stage 'distill': the run is failed",
            Illegal(() => failed.QueueStage(StageNames.Distill, 1, At(4))).Message);
        Assert.Equal("run 'run42': cannot complete the run: the run is failed",
            Illegal(() => failed.CompleteRun(RunStateJsonTests.Result(), At(4))).Message);
        Assert.Equal("run 'run42': cannot fail the run: the run is completed",
            Illegal(() => completed.FailRun(["late failure"], At(6))).Message);
        Assert.Equal("run 'run42': cannot start stage 'evaluate': the run is completed",
            Illegal(() => completed.StartStage(StageNames.Evaluate, 2, "runner-b", At(6))).Message);
    }

    [Fact]
    public void CompletedStage_CannotBeQueuedAgain()
    {
        var state = Running().CompleteStage(StageNames.Prepare, 1, s_noMetrics, s_noArtifacts, At(3));

        Assert.Equal("run 'run42': cannot queue stage 'prepare': it is already completed (attempt 1)",
            Illegal(() => state.QueueStage(StageNames.Prepare, 2, At(4))).Message);
    }

    [Fact]
    public void UnknownStage_IsAnArgumentError()
    {
        var error = Assert.Throws<ArgumentException>(() => Accepted().QueueStage(StageNames.TedTeacherFilters, 1, At(1)));

        Assert.StartsWith("run 'run42' has no stage 'ted-teacher-filters' (its stages: prepare, distill, evaluate)", error.Message, StringComparison.Ordinal);
        Assert.False(Accepted().IsStageCompleted(StageNames.TedTeacherFilters, 1));
    }

    [Fact]
    public void InvalidArguments_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => RunState.Accept("Run 42", "n", "ab", [StageNames.Prepare], s_t0));
        Assert.Throws<ArgumentException>(() => RunState.Accept("run42", "n", "ab", [], s_t0));
        Assert.Throws<ArgumentException>(() => RunState.Accept("run42", "n", "ab", ["train"], s_t0));
        Assert.Throws<ArgumentException>(() => RunState.Accept("run42", "n", "ab", [StageNames.Prepare, StageNames.Prepare], s_t0));
        Assert.Throws<ArgumentException>(() => Running().FailStage(StageNames.Prepare, 1, [], At(3)));
        Assert.Throws<ArgumentException>(() => Running().FailRun([" "], At(3)));
    }
}
