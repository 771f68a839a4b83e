using Distill.Functions.Invocation;
using Distill.Pipeline.Handlers;

namespace Distill.Functions.Hosting;

/// <summary>Registers the app's services and maps one endpoint per function.</summary>
internal static class FunctionsHostingExtensions
{
    /// <summary>The pipeline (store, bus and handlers, from configuration) and the invocation endpoint's services.</summary>
    public static IHostApplicationBuilder AddDistillFunctions(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddDistillPipeline();
        // The host logs every invocation already; the app's own request lines would only repeat it.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddSingleton<InvocationLogProvider>();
        builder.Services.AddSingleton<ILoggerProvider>(services => services.GetRequiredService<InvocationLogProvider>());
        builder.Services.AddSingleton(services => new PipelineHandlers(services.GetRequiredService<PipelineContext>(), services.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton<FunctionInvoker>();
        return builder;
    }

    /// <summary>Maps <c>POST /{FunctionName}</c> for each of <see cref="PipelineFunctions.All"/>.</summary>
    public static IEndpointRouteBuilder MapDistillFunctions(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        foreach (var function in PipelineFunctions.All)
        {
            endpoints.MapPost(function.Route, (HttpContext http, FunctionInvoker invoker) => invoker.InvokeAsync(function, http))
                .WithName(function.Name);
        }
        return endpoints;
    }
}
