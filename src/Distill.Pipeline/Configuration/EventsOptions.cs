namespace Distill.Pipeline.Configuration;

/// <summary>The <c>Distill:Events</c> section: where events go for subscribers outside the pipeline.</summary>
public sealed class EventsOptions
{
    /// <summary>
    /// <see cref="DistillConfigurationKeys.EventsEventGridEndpoint"/>: the Event Grid custom topic's endpoint
    /// (<c>https://{topic}.{region}-1.eventgrid.azure.net/api/events</c>); none when null.
    /// </summary>
    public Uri? EventGridEndpoint { get; set; }

    /// <summary><see cref="DistillConfigurationKeys.EventsStageEvents"/>: every stage event to the topic too, not only the run outcomes.</summary>
    public bool StageEvents { get; set; }
}
