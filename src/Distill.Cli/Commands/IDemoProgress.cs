using Distill.Contracts.Events;
using Distill.Pipeline.Uploads;
using Distill.Training.Pretraining;

namespace Distill.Cli.Commands;

/// <summary>The live part of a <see cref="IDemoView"/>: the teacher's training, the upload, the run's events.</summary>
internal interface IDemoProgress
{
    IProgress<PretrainingProgress> Teacher { get; }

    IProgress<UploadProgress> Upload { get; }

    void Submitted(string runId, UploadResult upload);

    /// <summary>One of the run's events, in event-time order.</summary>
    void Event(CloudEventEnvelope cloudEvent);
}
