using System.Globalization;
using System.Text.Json;
using System.Xml;
using Distill.Contracts.Storage;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Uploads;
using Distill.TestSupport;

namespace Distill.Pipeline.Tests.Infrastructure;

/// <summary>
/// infra/ (Bicep) declares what the code names: the queues, topic, subscriptions and filters of
/// <see cref="PipelineTopology"/>, the containers of <see cref="BlobPaths"/>, an Event Grid subscription that delivers
/// exactly the manifests <see cref="BlobCreatedEvent"/> recognises, and Distill's configuration for both apps.
/// </summary>
public sealed class InfrastructureTests
{
    private static readonly string s_infra = Path.Combine(RepositoryPaths.Root, "infra");

    /// <summary>The configuration the apps read, with the literal values that are not per deployment.</summary>
    private static readonly Dictionary<string, string?> s_distillSettings = new(StringComparer.Ordinal)
    {
        ["Distill__Storage__Kind"] = "Azure",
        ["Distill__Storage__ServiceUri"] = null,
        ["Distill__Bus__Kind"] = "ServiceBus",
        ["Distill__Bus__Namespace"] = null,
        ["Distill__Events__EventGridEndpoint"] = null,
        ["Distill__Identity__ClientId"] = null,
    };

    /// <summary>Built-in role definitions infra/ may assign.</summary>
    private static readonly Dictionary<string, string> s_builtInRoles = new(StringComparer.Ordinal)
    {
        ["ba92f5b4-2d11-453d-a403-e96b0029c9fe"] = "Storage Blob Data Contributor",
        ["090c5cfd-751d-490a-894a-3ce6f1109419"] = "Azure Service Bus Data Owner",
        ["69a216fc-b8fb-44d8-bc22-1f3c2cd27a39"] = "Azure Service Bus Data Sender",
        ["4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0"] = "Azure Service Bus Data Receiver",
        ["d5a91429-5739-47e2-a06b-3470a27159e7"] = "EventGrid Data Sender",
        ["7f951dda-4ed3-4680-a7ca-43fe172d538d"] = "AcrPull",
        ["3913510d-42f4-4e42-8a64-420c390055eb"] = "Monitoring Metrics Publisher",
    };

    private static BicepFile Main => BicepFile.Load(Path.Combine(s_infra, "main.bicep"));

    private static BicepFile ModuleFile(string name) => BicepFile.Load(Path.Combine(s_infra, "modules", name + ".bicep"));

    [Fact]
    public void ServiceBus_Queues_MatchPipelineTopology()
    {
        var bicep = ModuleFile("servicebus");
        var declared = bicep.ResourcesOfType("Microsoft.ServiceBus/namespaces/queues").ToDictionary(q => q.GetString("name"));
        var topology = PipelineTopology.Create();

        Assert.Equal(topology.Queues.Select(q => q.Name).Order(), declared.Keys.Order());
        foreach (var queue in topology.Queues)
        {
            var resource = declared[queue.Name];
            Assert.Equal(queue.LockDuration, Duration(resource, "properties.lockDuration"));
            Assert.Equal(queue.MaxDeliveryCount, Integer(resource, "properties.maxDeliveryCount"));
            Assert.Equal(queue.DuplicateDetectionWindow, DuplicateDetection(resource));
            Assert.Equal(queue.DefaultMessageTimeToLive, OptionalDuration(resource, "properties.defaultMessageTimeToLive"));
            Assert.Equal(queue.DeadLetterOnMessageExpiration, Boolean(resource, "properties.deadLetteringOnMessageExpiration"));
            Assert.Equal("false", resource.GetExpression("properties.requiresSession"));
        }
        Assert.Equal(PipelineTopology.StageLockDuration, Duration(declared[PipelineTopology.StagesQueue], "properties.lockDuration"));
        Assert.Equal(5, Integer(declared[PipelineTopology.StagesQueue], "properties.maxDeliveryCount"));
    }

    [Fact]
    public void ServiceBus_TopicSubscriptionsAndFilters_MatchPipelineTopology()
    {
        var bicep = ModuleFile("servicebus");
        var topology = PipelineTopology.Create();
        var topics = bicep.ResourcesOfType("Microsoft.ServiceBus/namespaces/topics").ToList();
        var subscriptions = bicep.ResourcesOfType("Microsoft.ServiceBus/namespaces/topics/subscriptions").ToList();
        var rules = bicep.ResourcesOfType("Microsoft.ServiceBus/namespaces/topics/subscriptions/rules").ToList();

        Assert.Equal(topology.Topics.Select(t => t.Name).Order(), topics.Select(t => t.GetString("name")).Order());
        foreach (var topic in topology.Topics)
        {
            var topicResource = topics.Single(t => t.GetString("name") == topic.Name);
            Assert.Equal(topic.DuplicateDetectionWindow, DuplicateDetection(topicResource));
            Assert.Equal(topic.DefaultMessageTimeToLive, OptionalDuration(topicResource, "properties.defaultMessageTimeToLive"));

            var ofTopic = subscriptions.Where(s => s.GetExpression("parent") == topicResource.Symbol).ToDictionary(s => s.GetString("name"));
            Assert.Equal(topic.Subscriptions.Select(s => s.Name).Order(), ofTopic.Keys.Order());
            foreach (var subscription in topic.Subscriptions)
            {
                var resource = ofTopic[subscription.Name];
                Assert.Equal(subscription.LockDuration, Duration(resource, "properties.lockDuration"));
                Assert.Equal(subscription.MaxDeliveryCount, Integer(resource, "properties.maxDeliveryCount"));
                Assert.Equal(subscription.DefaultMessageTimeToLive, OptionalDuration(resource, "properties.defaultMessageTimeToLive"));
                Assert.Equal(subscription.DeadLetterOnMessageExpiration, Boolean(resource, "properties.deadLetteringOnMessageExpiration"));

                var declaredFilters = rules.Where(r => r.GetExpression("parent") == resource.Symbol).Select(Filter).Order().ToList();
                var expectedFilters = subscription.Filters.Select(Filter).Order().ToList();
                Assert.Equal(expectedFilters, declaredFilters);
            }
        }
    }

    [Fact]
    public void Storage_Containers_AreTheBlobPathsContainers()
    {
        var bicep = ModuleFile("storage");
        var containers = Assert.IsType<BicepArray>(bicep.Variables["pipelineContainers"]);
        var loop = Assert.IsType<BicepLoop>(bicep.Resource("containers").Value);

        Assert.Equal(
            new[] { BlobPaths.UploadsContainer, BlobPaths.RunsContainer, BlobPaths.ModelsContainer }.Order(),
            containers.Items.Select(i => Assert.IsType<BicepString>(i).Value).Order());
        Assert.Equal("for container in pipelineContainers", loop.Header);
        Assert.Equal("container", bicep.Resource("containers").GetExpression("name"));
        // Entra only: the account refuses shared keys.
        Assert.Equal("false", bicep.Resource("account").GetExpression("properties.allowSharedKeyAccess"));
    }

    [Fact]
    public void EventGrid_ManifestSubscription_DeliversEveryManifestAndNothingElseToTheUploadEventsQueue()
    {
        var bicep = ModuleFile("eventgrid");
        var subscription = bicep.Resource("manifestUploads");
        var begins = subscription.GetString("properties.filter.subjectBeginsWith");
        var ends = subscription.GetString("properties.filter.subjectEndsWith");
        var types = Assert.IsType<BicepArray>(subscription.Get("properties.filter.includedEventTypes"));

        Assert.Equal([BlobCreatedEvent.EventType], types.Items.Select(t => Assert.IsType<BicepString>(t).Value));
        Assert.Equal("CloudEventSchemaV1_0", subscription.GetString("properties.eventDeliverySchema"));
        Assert.Equal("ServiceBusQueue", subscription.GetString("properties.deliveryWithResourceIdentity.destination.endpointType"));
        Assert.Equal("uploadEventsQueue.id", subscription.GetExpression("properties.deliveryWithResourceIdentity.destination.properties.resourceId"));
        Assert.Equal("${serviceBusName}/${uploadEventsQueueName}", bicep.Resource("uploadEventsQueue").GetString("name"));
        Assert.Equal("serviceBus.outputs.uploadEventsQueueName", Main.Module("eventGrid").GetExpression("params.uploadEventsQueueName"));
        Assert.Equal(PipelineTopology.UploadEventsQueue, ModuleOutputResourceName("serviceBus", "uploadEventsQueueName"));

        // What passes the filter is what the handler starts a run for: an upload's manifest, and not a file beside it.
        var manifest = BlobCreatedEvent.Parse(StorageCloudEvent(begins + "run42" + ends));
        Assert.True(manifest.TryGetUploadId(out var uploadId));
        Assert.Equal("run42", uploadId);
        Assert.Equal(BlobCreatedEvent.SubjectOf(BlobPaths.UploadManifest("run42")), begins + "run42" + ends);
        var data = BlobCreatedEvent.SubjectOf(BlobPaths.UploadFile("run42", "data/train.jsonl"));
        Assert.False(data.StartsWith(begins, StringComparison.Ordinal) && data.EndsWith(ends, StringComparison.Ordinal));
    }

    [Fact]
    public void EventGrid_CustomTopic_TakesCloudEventsWithEntraOnly()
    {
        var topic = ModuleFile("eventgrid").Resource("pipelineTopic");

        Assert.Equal("Microsoft.EventGrid/topics", topic.Type);
        Assert.Equal("CloudEventSchemaV1_0", topic.GetString("properties.inputSchema"));
        Assert.Equal("true", topic.GetExpression("properties.disableLocalAuth"));
    }

    [Fact]
    public void Runner_ScaleRule_WatchesTheStagesQueueWithTheScalerIdentity()
    {
        var job = ModuleFile("runner").Resource("job");
        var rules = Assert.IsType<BicepArray>(job.Get("properties.configuration.eventTriggerConfig.scale.rules"));
        var rule = Assert.IsType<BicepObject>(Assert.Single(rules.Items));

        Assert.Equal("Microsoft.App/jobs", job.Type);
        Assert.Equal("Event", job.GetString("properties.configuration.triggerType"));
        Assert.Equal(new BicepString("azure-servicebus"), rule.Get("type"));
        Assert.Equal(new BicepExpression("stagesQueueName"), rule.Get("metadata.queueName"));
        Assert.Equal(new BicepExpression("serviceBusName"), rule.Get("metadata.namespace"));
        Assert.Equal(new BicepExpression("scalerIdentityId"), rule.Get("identity"));
        Assert.Equal("serviceBus.outputs.stagesQueueName", Main.Module("runner").GetExpression("params.stagesQueueName"));
        Assert.Equal(PipelineTopology.StagesQueue, ModuleOutputResourceName("serviceBus", "stagesQueueName"));
    }

    [Fact]
    public void Runner_Container_TakesOneStageFromTheAzureTarget()
    {
        var job = ModuleFile("runner").Resource("job");
        var container = Assert.IsType<BicepObject>(Assert.Single(Assert.IsType<BicepArray>(job.Get("properties.template.containers")).Items));
        var args = Assert.IsType<BicepArray>(container.Get("args")).Items.Select(a => Assert.IsType<BicepString>(a).Value).ToList();

        // Without --target azure the runner would open a local store inside the container and never see the queue.
        Assert.Equal(["--target", "azure", "--once", "--idle-exit", "60"], args);
    }

    [Fact]
    public void Settings_BothApps_GetDistillsConfigurationAndTheIdentityClientId()
    {
        var main = Main;
        var settings = Assert.IsType<BicepArray>(main.Variables["distillSettings"]).Items
            .Select(i => Assert.IsType<BicepObject>(i))
            .ToDictionary(s => Assert.IsType<BicepString>(s.Get("name")).Value, s => s.Get("value"));

        Assert.Equal(s_distillSettings.Keys.Order(), settings.Keys.Order());
        foreach (var (name, literal) in s_distillSettings.Where(s => s.Value is not null))
        {
            Assert.Equal(new BicepString(literal!), settings[name]);
        }
        Assert.Equal(new BicepExpression("identity.outputs.appClientId"), settings["Distill__Identity__ClientId"]);
        Assert.Equal("distillSettings", main.Module("functions").GetExpression("params.distillSettings"));
        Assert.Equal("distillSettings", main.Module("runner").GetExpression("params.distillSettings"));

        var functionApp = ModuleFile("functions");
        Assert.Equal("concat(hostSettings, distillSettings)", functionApp.Resource("functionApp").GetExpression("properties.siteConfig.appSettings"));
        Assert.Equal("appIdentityClientId", SettingExpression(functionApp.Variables["hostSettings"], "AZURE_CLIENT_ID"));
        Assert.Equal("custom", functionApp.Resource("functionApp").GetString("properties.functionAppConfig.runtime.name"));

        var runnerEnvironment = ModuleFile("runner").Resource("job").Body.Get("properties.template.containers") as BicepArray;
        var container = Assert.IsType<BicepObject>(Assert.Single(runnerEnvironment!.Items));
        var env = Assert.IsType<BicepExpression>(container.Get("env")).Text;
        Assert.StartsWith("concat(distillSettings, [", env, StringComparison.Ordinal);
        Assert.Contains("{ name: 'AZURE_CLIENT_ID', value: appIdentityClientId }", env, StringComparison.Ordinal);
    }

    [Fact]
    public void Bicep_NoFile_HoldsOrFetchesASecret()
    {
        foreach (var path in Directory.EnumerateFiles(s_infra, "*.bicep", SearchOption.AllDirectories).Append(Path.Combine(s_infra, "main.parameters.json")))
        {
            var text = File.ReadAllText(path);
            foreach (var secret in new[] { "listKeys(", "listConnectionStrings(", "AccountKey=", "SharedAccessKey", "@secure()" })
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{path} mentions {secret}");
            }
        }
    }

    [Fact]
    public void RoleAssignments_UseOnlyKnownBuiltInRolesAndGiveTheAppsWhatTheyUse()
    {
        var assignments = Directory.EnumerateFiles(Path.Combine(s_infra, "modules"), "*.bicep")
            .Select(BicepFile.Load)
            .SelectMany(f => f.ResourcesOfType("Microsoft.Authorization/roleAssignments").Select(r => (File: f, Resource: r)))
            .Select(a => (Role: RoleName(a.File, a.Resource), Scope: a.Resource.GetExpression("scope"), Principal: a.Resource.GetExpression("properties.principalId")))
            .ToList();

        Assert.Contains(("Storage Blob Data Contributor", "account", "appPrincipalId"), assignments);
        Assert.Contains(("Azure Service Bus Data Sender", "namespace", "appPrincipalId"), assignments);
        Assert.Contains(("Azure Service Bus Data Receiver", "namespace", "appPrincipalId"), assignments);
        Assert.Contains(("Azure Service Bus Data Owner", "stages", "scalerPrincipalId"), assignments);
        Assert.Contains(("EventGrid Data Sender", "pipelineTopic", "appPrincipalId"), assignments);
        Assert.Contains(("AcrPull", "registry", "appPrincipalId"), assignments);
        Assert.Contains(("Azure Service Bus Data Sender", "uploadEventsQueue", "storageEvents.identity.principalId"), assignments);
        // Nobody is Data Owner of the whole namespace.
        Assert.DoesNotContain(assignments, a => a.Role == "Azure Service Bus Data Owner" && a.Scope == "namespace");
    }

    [Fact]
    public void AzureYaml_Services_MatchTheTaggedResourcesAndTheirSources()
    {
        var yaml = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "azure.yaml"));
        var functions = ModuleFile("functions").Resource("functionApp");
        var runner = ModuleFile("runner").Resource("job");

        Assert.Contains("'azd-service-name': 'functions'", functions.GetExpression("tags"), StringComparison.Ordinal);
        Assert.Contains("'azd-service-name': 'runner'", runner.GetExpression("tags"), StringComparison.Ordinal);
        Assert.Contains("  functions:", yaml);
        Assert.Contains("  runner:", yaml);
        Assert.Contains("    project: ./functions/Distill.Functions", yaml);
        Assert.Contains("    project: ./gpu-runner", yaml);
        Assert.Contains("      path: ./Dockerfile", yaml);
        Assert.Contains("      context: ..", yaml);
        Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, "gpu-runner", "Dockerfile")));
        Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, "eng", "publish-functions.sh")));
    }

    [Fact]
    public void FunctionBindings_NameOnlyDeclaredEntitiesAndConfiguredConnections()
    {
        var folder = Path.Combine(RepositoryPaths.Root, "functions", "Distill.Functions");
        var definitions = Directory.Exists(folder) ? Directory.GetFiles(folder, "function.json", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList() : [];
        Assert.SkipWhen(definitions.Count == 0, "functions/Distill.Functions has no function.json in this tree");
        var topology = PipelineTopology.Create();
        var hostSettings = Assert.IsType<BicepArray>(ModuleFile("functions").Variables["hostSettings"]).Items
            .Select(i => Assert.IsType<BicepString>(Assert.IsType<BicepObject>(i).Get("name")).Value)
            .ToHashSet(StringComparer.Ordinal);

        foreach (var definition in definitions)
        {
            using var document = JsonDocument.Parse(File.ReadAllText(definition));
            foreach (var binding in document.RootElement.GetProperty("bindings").EnumerateArray())
            {
                var type = binding.GetProperty("type").GetString();
                if (type is not ("serviceBusTrigger" or "serviceBus"))
                {
                    continue;
                }
                if (binding.TryGetProperty("connection", out var connection))
                {
                    Assert.True(hostSettings.Contains(connection.GetString() + "__fullyQualifiedNamespace"), $"{definition}: connection '{connection}' has no identity settings in infra/modules/functions.bicep");
                }
                if (binding.TryGetProperty("queueName", out var queue))
                {
                    Assert.Contains(WithoutDeadLetterSuffix(queue.GetString()), topology.Queues.Select(q => q.Name));
                }
                if (binding.TryGetProperty("topicName", out var topic))
                {
                    var declared = Assert.Single(topology.Topics, t => t.Name == topic.GetString());
                    if (binding.TryGetProperty("subscriptionName", out var subscription))
                    {
                        Assert.Contains(WithoutDeadLetterSuffix(subscription.GetString()), declared.Subscriptions.Select(s => s.Name));
                    }
                }
            }
        }
    }

    /// <summary>The entity a trigger reads: a dead-letter queue (<c>{entity}/$DeadLetterQueue</c>) belongs to its entity.</summary>
    private static string? WithoutDeadLetterSuffix(string? name)
    {
        const string suffix = "/$DeadLetterQueue";
        return name is not null && name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) ? name[..^suffix.Length] : name;
    }

    /// <summary>The name of the resource whose <c>.name</c> a module output returns, following main.bicep's module to its file.</summary>
    private static string ModuleOutputResourceName(string moduleSymbol, string output)
    {
        var module = Main.Module(moduleSymbol);
        var file = BicepFile.Load(Path.Combine(s_infra, module.Type));
        var expression = Assert.IsType<BicepExpression>(file.Outputs[output]).Text;
        Assert.EndsWith(".name", expression, StringComparison.Ordinal);
        return file.Resource(expression[..^".name".Length]).GetString("name");
    }

    private static string RoleName(BicepFile file, BicepDeclaration assignment)
    {
        var definition = assignment.GetExpression("properties.roleDefinitionId");
        const string Prefix = "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', ";
        Assert.StartsWith(Prefix, definition, StringComparison.Ordinal);
        var reference = definition[Prefix.Length..^1];
        var guid = reference.Contains('.', StringComparison.Ordinal)
            ? Assert.IsType<BicepString>(Assert.IsType<BicepObject>(file.Variables[reference.Split('.')[0]]).Get(reference.Split('.')[1])).Value
            : Assert.IsType<BicepString>(file.Variables[reference]).Value;
        Assert.True(s_builtInRoles.TryGetValue(guid, out var name), $"{file.Path}: role {guid} ({assignment.Symbol}) is not a known built-in role");
        return name;
    }

    private static string SettingExpression(object settings, string name) =>
        Assert.IsType<BicepArray>(settings).Items.Select(i => Assert.IsType<BicepObject>(i))
            .Where(s => s.Get("name") is BicepString n && n.Value == name)
            .Select(s => Assert.IsType<BicepExpression>(s.Get("value")).Text)
            .Single();

    /// <summary>A correlation filter as "property=value" pairs, the same for the topology's filters and Bicep's rules.</summary>
    private static string Filter(CorrelationFilter filter)
    {
        var parts = new List<string>();
        if (filter.Subject is not null)
        {
            parts.Add("label=" + filter.Subject);
        }
        if (filter.CorrelationId is not null)
        {
            parts.Add("correlationId=" + filter.CorrelationId);
        }
        if (filter.ContentType is not null)
        {
            parts.Add("contentType=" + filter.ContentType);
        }
        parts.AddRange(filter.ApplicationProperties.Select(p => string.Create(CultureInfo.InvariantCulture, $"properties.{p.Key}={p.Value}")));
        return string.Join(";", parts.Order(StringComparer.Ordinal));
    }

    private static string Filter(BicepDeclaration rule)
    {
        Assert.Equal("CorrelationFilter", rule.GetString("properties.filterType"));
        var filter = Assert.IsType<BicepObject>(rule.Get("properties.correlationFilter"));
        var parts = new List<string>();
        foreach (var (key, value) in filter.Properties)
        {
            if (key == "properties")
            {
                parts.AddRange(Assert.IsType<BicepObject>(value).Properties.Select(p => $"properties.{p.Key}={Literal(p.Value)}"));
            }
            else
            {
                parts.Add($"{key}={Literal(value)}");
            }
        }
        return string.Join(";", parts.Order(StringComparer.Ordinal));
    }

    private static string Literal(object value) => value switch
    {
        BicepString text => text.Value,
        BicepExpression expression => expression.Text,
        _ => throw new InvalidDataException($"a filter value is {value.GetType().Name}"),
    };

    private static TimeSpan Duration(BicepDeclaration resource, string path) => XmlConvert.ToTimeSpan(resource.GetString(path));

    private static TimeSpan? OptionalDuration(BicepDeclaration resource, string path) =>
        resource.Get(path) is null ? null : Duration(resource, path);

    private static TimeSpan? DuplicateDetection(BicepDeclaration resource) =>
        resource.Get("properties.requiresDuplicateDetection") is BicepExpression { Text: "true" }
            ? Duration(resource, "properties.duplicateDetectionHistoryTimeWindow")
            : null;

    private static int Integer(BicepDeclaration resource, string path) =>
        int.Parse(resource.GetExpression(path), NumberStyles.None, CultureInfo.InvariantCulture);

    private static bool Boolean(BicepDeclaration resource, string path) => resource.Get(path) is BicepExpression { Text: "true" };

    /// <summary>A BlobCreated event as the system topic subscription delivers it (CloudEvents 1.0 schema).</summary>
    private static string StorageCloudEvent(string subject) => $$"""
        {
          "specversion": "1.0",
          "type": "Microsoft.Storage.BlobCreated",
          "source": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-distill/providers/Microsoft.Storage/storageAccounts/stdistill",
          "id": "831e1650-001e-001b-66ab-eeb76e069631",
          "time": "2026-06-26T18:41:00.9584103Z",
          "subject": "{{subject}}",
          "data": { "api": "PutBlob", "eTag": "\"0x8D4BCC2E4835CD0\"", "contentType": "application/json", "contentLength": 524, "blobType": "BlockBlob",
                    "url": "https://stdistill.blob.core.windows.net/uploads/run42/pipeline.json", "sequencer": "00000000000004420000000000028963" }
        }
        """;
}
