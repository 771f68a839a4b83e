namespace Distill.Functions.Hosting;

/// <summary>
/// One function of the app: its name (the folder of its <c>function.json</c>, and the path the host POSTs to) and the
/// Service Bus entity its trigger reads, named as <see cref="Distill.Pipeline.Messaging.IMessageBus.ReceiveAsync"/>
/// names it, so that the pipeline's dispatcher routes the message to the same handler as on the local stack.
/// </summary>
/// <param name="Name">The function's name.</param>
/// <param name="EntityPath">A queue, <c>{topic}/subscriptions/{name}</c>, or either followed by <c>/$deadletterqueue</c>.</param>
internal sealed record PipelineFunction(string Name, string EntityPath)
{
    /// <summary>The route the host calls: <c>/{Name}</c>.</summary>
    public string Route => "/" + Name;
}
