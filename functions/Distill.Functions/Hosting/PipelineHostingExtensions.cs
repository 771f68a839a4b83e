using Distill.Pipeline.Configuration;
using Distill.Pipeline.Handlers;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Distill.Functions.Hosting;

/// <summary>The pipeline the handlers work on, named by the <c>Distill</c> configuration section (<see cref="DistillOptions"/>).</summary>
internal static class PipelineHostingExtensions
{
    /// <summary>
    /// Registers <see cref="DistillOptions"/> read from configuration (app settings such as <c>Distill__Storage__Kind</c>),
    /// the service that validates them and opens the store and bus at start, and the <see cref="PipelineContext"/> on them.
    /// </summary>
    public static IHostApplicationBuilder AddDistillPipeline(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(_ => DistillOptions.FromConfiguration(builder.Configuration));
        builder.Services.AddSingleton<PipelineConnectionService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<PipelineConnectionService>());
        builder.Services.AddSingleton(services => services.GetRequiredService<PipelineConnectionService>().Connection.CreateContext());
        return builder;
    }
}
