using Distill.Pipeline;
using Distill.Pipeline.Handlers;
using Distill.Pipeline.Messaging;

namespace Distill.Functions.Hosting;

/// <summary>
/// The app's functions: one per entity the pipeline's handlers read (<see cref="PipelineHandlers.EntityPaths"/>), each a
/// <c>serviceBusTrigger</c> in <c>{Name}/function.json</c>. A test checks the files against this list, the routes and
/// <see cref="PipelineTopology"/>.
/// </summary>
internal static class PipelineFunctions
{
    /// <summary>The trigger binding's name in every <c>function.json</c>: the key of the message in the invocation's <c>Data</c>.</summary>
    public const string TriggerBindingName = "message";

    /// <summary>
    /// The app setting prefix of the triggers' Service Bus connection (<c>ServiceBus__fullyQualifiedNamespace</c>,
    /// <c>ServiceBus__credential</c>, <c>ServiceBus__clientId</c>).
    /// </summary>
    public const string ConnectionSetting = "ServiceBus";

    public static PipelineFunction OnUpload { get; } = new("OnUpload", PipelineTopology.UploadEventsQueue);

    public static PipelineFunction OnStageEvent { get; } = new("OnStageEvent", PipelineTopology.Subscription(PipelineTopology.EvaluationSubscription));

    public static PipelineFunction OnStageDeadLetter { get; } = new("OnStageDeadLetter", EntityPath.DeadLetterQueue(PipelineTopology.StagesQueue));

    public static PipelineFunction OnUploadDeadLetter { get; } = new("OnUploadDeadLetter", EntityPath.DeadLetterQueue(PipelineTopology.UploadEventsQueue));

    public static PipelineFunction OnStageEventDeadLetter { get; } =
        new("OnStageEventDeadLetter", EntityPath.DeadLetterQueue(PipelineTopology.Subscription(PipelineTopology.EvaluationSubscription)));

    public static IReadOnlyList<PipelineFunction> All { get; } = [OnUpload, OnStageEvent, OnStageDeadLetter, OnUploadDeadLetter, OnStageEventDeadLetter];
}
