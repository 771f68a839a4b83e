using Distill.Contracts.Events;
using Distill.Pipeline.Messaging;

namespace Distill.Pipeline;

/// <summary>
/// The queues, topic and subscriptions of the pipeline, the same on the local bus and on Service Bus (infra/ declares
/// these names; a test checks they agree). Messages carry deterministic ids, so duplicate detection drops repeats.
/// </summary>
public static class PipelineTopology
{
    /// <summary>Notifications that a <c>pipeline.json</c> was uploaded (Event Grid BlobCreated events on Azure).</summary>
    public const string UploadEventsQueue = "upload-events";

    /// <summary>Stage commands (<see cref="Contracts.Stages.RunStageCommand"/>) for the runners, competing consumers.</summary>
    public const string StagesQueue = "stages";

    /// <summary>Every Distill event (CloudEvents), with the event type as the message subject.</summary>
    public const string EventsTopic = "pipeline-events";

    /// <summary>Stage completions and failures, for the handlers that move a run on (next stage, gates, publishing).</summary>
    public const string EvaluationSubscription = "evaluation";

    /// <summary><c>distill.pipeline.completed</c>, for downstream deployment (the example subscriber).</summary>
    public const string DeploymentSubscription = "deployment";

    /// <summary><c>distill.pipeline.failed</c>, for whoever watches failures (alerts, operators).</summary>
    public const string DeadLetterWatchSubscription = "dead-letter-watch";

    /// <summary>
    /// How long a runner holds a stage message before it must renew the lock (Service Bus's maximum is 5 minutes;
    /// runners renew at a third of it).
    /// </summary>
    public static readonly TimeSpan StageLockDuration = TimeSpan.FromMinutes(5);

    /// <summary>Deliveries of a stage command before it is dead-lettered and the run fails (transient faults are retried by redelivery).</summary>
    public const int StageMaxDeliveryCount = 5;

    /// <summary>Deliveries of an upload notification before it is dead-lettered.</summary>
    public const int UploadMaxDeliveryCount = 5;

    /// <summary>Window in which a repeated message id is dropped (Service Bus allows up to 7 days).</summary>
    public static readonly TimeSpan DuplicateDetectionWindow = TimeSpan.FromDays(1);

    /// <summary>How long an event waits on a subscription nobody may be reading (deployment, failure watch).</summary>
    public static readonly TimeSpan UnreadEventTimeToLive = TimeSpan.FromDays(7);

    /// <summary>The path of a subscription on <see cref="EventsTopic"/>, as a receiver names it.</summary>
    public static string Subscription(string name) => EntityPath.Subscription(EventsTopic, name);

    /// <summary>The topology for a bus implementation.</summary>
    public static BusTopology Create() => new(
        [
            new QueueDefinition(UploadEventsQueue)
            {
                LockDuration = TimeSpan.FromMinutes(1),
                MaxDeliveryCount = UploadMaxDeliveryCount,
                DuplicateDetectionWindow = DuplicateDetectionWindow,
            },
            new QueueDefinition(StagesQueue)
            {
                LockDuration = StageLockDuration,
                MaxDeliveryCount = StageMaxDeliveryCount,
                DuplicateDetectionWindow = DuplicateDetectionWindow,
            },
        ],
        [
            new TopicDefinition(EventsTopic)
            {
                DuplicateDetectionWindow = DuplicateDetectionWindow,
                Subscriptions =
                [
                    new SubscriptionDefinition(EvaluationSubscription)
                    {
                        LockDuration = TimeSpan.FromMinutes(1),
                        Filters = [CorrelationFilter.ForSubject(DistillEventTypes.StageCompleted), CorrelationFilter.ForSubject(DistillEventTypes.StageFailed)],
                    },
                    new SubscriptionDefinition(DeploymentSubscription)
                    {
                        DefaultMessageTimeToLive = UnreadEventTimeToLive,
                        Filters = [CorrelationFilter.ForSubject(DistillEventTypes.PipelineCompleted)],
                    },
                    new SubscriptionDefinition(DeadLetterWatchSubscription)
                    {
                        DefaultMessageTimeToLive = UnreadEventTimeToLive,
                        Filters = [CorrelationFilter.ForSubject(DistillEventTypes.PipelineFailed)],
                    },
                ],
            },
        ]);
}
