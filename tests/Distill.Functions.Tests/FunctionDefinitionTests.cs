using System.Text.Json;
using Distill.Functions.Hosting;
using Distill.Pipeline;
using Distill.Pipeline.Configuration;
using Distill.Pipeline.Handlers;
using Distill.Pipeline.Messaging;
using Distill.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Distill.Functions.Tests;

/// <summary>
/// The files the Functions host reads (host.json, every <c>{Function}/function.json</c>) against the app's routes, its
/// function list and <see cref="PipelineTopology"/>; with the infra test (Bicep names against the topology), this ties
/// function.json, the topology and the deployed entities together.
/// </summary>
public sealed class FunctionDefinitionTests
{
    private static readonly string s_appFolder = Path.Combine(RepositoryPaths.Root, "functions", "Distill.Functions");

    private sealed record Definition(string Name, JsonElement Trigger, int BindingCount);

    private static List<Definition> Definitions()
    {
        var definitions = new List<Definition>();
        foreach (var file in Directory.EnumerateFiles(s_appFolder, "function.json", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(s_appFolder, file).Split(Path.DirectorySeparatorChar);
            if (relative[0] is "bin" or "obj" or "publish")
            {
                continue;
            }
            Assert.True(relative.Length == 2, $"{file}: a function.json must sit in a folder directly under the app (the folder is the function's name)");
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var bindings = document.RootElement.GetProperty("bindings").EnumerateArray().Select(b => b.Clone()).ToList();
            var triggers = bindings.Where(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal)).ToList();
            Assert.True(triggers.Count == 1, $"{file}: {triggers.Count} trigger bindings; a function has exactly one");
            definitions.Add(new Definition(relative[0], triggers[0], bindings.Count));
        }
        return definitions;
    }

    private static string String(JsonElement binding, string name) =>
        binding.TryGetProperty(name, out var value) && value.GetString() is { } text ? text : throw new Xunit.Sdk.XunitException($"binding has no '{name}'");

    /// <summary>The entity a serviceBusTrigger reads, as the pipeline names it: <c>queue[/$deadletterqueue]</c> or <c>topic/subscriptions/sub[/$deadletterqueue]</c>.</summary>
    private static string EntityPathOf(JsonElement trigger)
    {
        const string deadLetterSuffix = "/$DeadLetterQueue";
        string path;
        string name;
        if (trigger.TryGetProperty("queueName", out var queue))
        {
            name = queue.GetString()!;
            path = name;
            var queueName = name.EndsWith(deadLetterSuffix, StringComparison.Ordinal) ? name[..^deadLetterSuffix.Length] : name;
            Assert.Contains(queueName, PipelineTopology.Create().Queues.Select(q => q.Name));
        }
        else
        {
            var topic = String(trigger, "topicName");
            name = String(trigger, "subscriptionName");
            var subscription = name.EndsWith(deadLetterSuffix, StringComparison.Ordinal) ? name[..^deadLetterSuffix.Length] : name;
            var definition = Assert.Single(PipelineTopology.Create().Topics, t => t.Name == topic);
            Assert.Contains(subscription, definition.Subscriptions.Select(s => s.Name));
            path = EntityPath.Subscription(topic, name);
        }
        return name.EndsWith(deadLetterSuffix, StringComparison.Ordinal)
            ? EntityPath.DeadLetterQueue(path[..^deadLetterSuffix.Length])
            : path;
    }

    [Fact]
    public void FunctionJson_EveryFunction_IsAServiceBusTriggerOnATopologyEntityWithTheAppsBindingNameAndConnection()
    {
        var definitions = Definitions();

        Assert.NotEmpty(definitions);
        foreach (var definition in definitions)
        {
            var trigger = definition.Trigger;
            Assert.Equal("serviceBusTrigger", String(trigger, "type"));
            Assert.Equal("in", String(trigger, "direction"));
            Assert.Equal(PipelineFunctions.TriggerBindingName, String(trigger, "name"));
            Assert.Equal(PipelineFunctions.ConnectionSetting, String(trigger, "connection"));
            Assert.Equal("string", String(trigger, "dataType"));
            Assert.False(trigger.TryGetProperty("isSessionsEnabled", out var sessions) && sessions.GetBoolean(), $"{definition.Name}: Service Bus REST and Event Grid cannot use sessions");
            Assert.Equal(1, definition.BindingCount);
            var function = Assert.Single(PipelineFunctions.All, f => f.Name == definition.Name);
            Assert.Equal(function.EntityPath, EntityPathOf(trigger), StringComparer.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void FunctionJson_TheFunctions_ReadEveryEntityTheHandlersReadOnce()
    {
        var paths = Definitions().Select(d => EntityPathOf(d.Trigger).ToLowerInvariant()).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(PipelineHandlers.EntityPaths.Select(p => p.ToLowerInvariant()).Order(StringComparer.Ordinal), paths);
    }

    [Fact]
    public async Task FunctionJson_EachFolder_HasARouteTheAppServesAndEachRouteAFolder()
    {
        await using var app = await FunctionsApp.StartAsync();
        var routes = app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods.Contains("POST") == true)
            .Select(e => e.RoutePattern.RawText?.TrimStart('/'))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(Definitions().Select(d => d.Name).Order(StringComparer.Ordinal), routes);
    }

    [Fact]
    public async Task Start_WithoutThePipelinesConfiguration_FailsNamingTheMissingKeys()
    {
        await using var factory = new WebApplicationFactory<Program>();

        var error = Assert.Throws<DistillConfigurationException>(() => factory.CreateClient());

        Assert.Contains(DistillConfigurationKeys.StorageKind, error.Message, StringComparison.Ordinal);
        Assert.Contains(DistillConfigurationKeys.BusKind, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HostJson_RunsStartShThroughShWithTheExtensionBundleAndHostSettledServiceBusMessages()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(s_appFolder, "host.json")));
        var root = document.RootElement;

        Assert.Equal("2.0", root.GetProperty("version").GetString());
        var description = root.GetProperty("customHandler").GetProperty("description");
        Assert.Equal("sh", description.GetProperty("defaultExecutablePath").GetString());
        Assert.Equal(["start.sh"], description.GetProperty("arguments").EnumerateArray().Select(a => a.GetString()));
        Assert.False(root.GetProperty("customHandler").GetProperty("enableForwardingHttpRequest").GetBoolean());
        Assert.Equal("Microsoft.Azure.Functions.ExtensionBundle", root.GetProperty("extensionBundle").GetProperty("id").GetString());
        Assert.Equal("[4.*, 5.0.0)", root.GetProperty("extensionBundle").GetProperty("version").GetString());
        var serviceBus = root.GetProperty("extensions").GetProperty("serviceBus");
        Assert.True(serviceBus.GetProperty("autoCompleteMessages").GetBoolean(), "the host must settle: complete on 2xx, abandon otherwise");
        var timeout = TimeSpan.Parse(root.GetProperty("functionTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(timeout > PipelineHandlers.RetryDelay(int.MaxValue), "an invocation must outlast the longest retry delay it waits");
        var start = File.ReadAllText(Path.Combine(s_appFolder, "start.sh"));
        Assert.Contains("handler", start, StringComparison.Ordinal);
        Assert.Contains("exec \"$handler/$binary\"", start, StringComparison.Ordinal);
    }
}
