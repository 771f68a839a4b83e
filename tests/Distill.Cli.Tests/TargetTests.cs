using Distill.Cli.Commands;
using Distill.Pipeline.Configuration;

namespace Distill.Cli.Tests;

/// <summary>--target, --config and --azurite-port on the pipeline verbs.</summary>
public sealed class TargetTests : IDisposable
{
    private readonly PipelineStore _store = new();

    public void Dispose() => _store.Dispose();

    private string WriteConfig(string json)
    {
        var path = Path.Join(_store.Root, "distill.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Theory]
    [InlineData("submit")]
    [InlineData("watch")]
    [InlineData("status")]
    [InlineData("up")]
    [InlineData("worker")]
    public async Task Verb_UnknownTarget_IsAUsageError(string verb)
    {
        string[] args = verb == "submit" ? [verb, _store.Root, "--target", "cloud"] : [verb, "--target", "cloud"];

        var run = await CommandRun.RunAsync(args);

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains("--target 'cloud' is not local, azure, azurite", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_AzureConfigWithoutKinds_NamesEveryMissingKey()
    {
        var config = WriteConfig("""{ "Distill": { "Events": { "EventGridEndpoint": "http://topic/api/events" } } }""");

        var run = await CommandRun.RunAsync(["status", "--target", "azure", "--config", config]);

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains("the azure target's configuration has 3 problems", run.Error, StringComparison.Ordinal);
        Assert.Contains(DistillConfigurationKeys.StorageKind + " is required", run.Error, StringComparison.Ordinal);
        Assert.Contains(DistillConfigurationKeys.BusKind + " is required", run.Error, StringComparison.Ordinal);
        Assert.Contains(DistillConfigurationKeys.EventsEventGridEndpoint + " 'http://topic/api/events' is not https", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_AzureConfigWithAConnectionString_RefusesTheSecretInAFile()
    {
        var config = WriteConfig("""
            { "Distill": {
                "Storage": { "Kind": "Azure", "ConnectionString": "UseDevelopmentStorage=true" },
                "Bus": { "Kind": "Sqlite", "Path": "bus.db" } } }
            """);

        var run = await CommandRun.RunAsync(["status", "--target", "azure", "--config", config]);

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains($"{DistillConfigurationKeys.StorageConnectionString} is written in {config}; keep secrets out of files: set Distill__Storage__ConnectionString in the environment", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_AzureConfigFile_OpensWhatItNames()
    {
        var blobs = Path.Join(_store.Root, "cfg-blobs");
        var config = WriteConfig($$"""
            { "Distill": {
                "Storage": { "Kind": "Folder", "Folder": "{{blobs.Replace("\\", "\\\\", StringComparison.Ordinal)}}" },
                "Bus": { "Kind": "Sqlite", "Path": "{{Path.Join(_store.Root, "cfg-bus.db").Replace("\\", "\\\\", StringComparison.Ordinal)}}" } } }
            """);

        var run = await CommandRun.RunAsync(["status", "--target", "azure", "--config", config]);

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        Assert.Contains("No runs yet", run.Output, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Join(blobs, "runs")));
    }

    [Fact]
    public async Task Status_ConfigWithTheLocalTarget_IsAUsageError()
    {
        var run = await CommandRun.RunAsync(["status", "--config", WriteConfig("{}")]);

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains("--config applies only to --target azure", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerStartInfo_Azurite_PassesTheTargetStoreAndPort()
    {
        var target = new TargetChoice(PipelineTarget.Azurite, "/data/store", PipelineTargets.ForAzurite("/data/store", 10011), null, 10011);

        var info = UpCommand.WorkerStartInfo(target);

        Assert.Equal(["worker", "--target", "azurite", "--store", "/data/store", "--azurite-port", "10011"], info.ArgumentList.Skip(1));
    }

    [Fact]
    public void NotifiesItself_OnlyWhereNoEventGridDeliversTheUpload()
    {
        Assert.True(SubmitCommand.NotifiesItself(PipelineTarget.Local));
        Assert.True(SubmitCommand.NotifiesItself(PipelineTarget.Azurite));
        Assert.False(SubmitCommand.NotifiesItself(PipelineTarget.Azure));
    }

    [Fact]
    public void ForAzurite_IsSharedKeyOnTheGivenPortWithTheBusInTheStore()
    {
        var options = PipelineTargets.ForAzurite("/data/store", 10011);

        Assert.Equal(StorageKind.Azure, options.Storage.Kind);
        Assert.Contains("BlobEndpoint=http://127.0.0.1:10011/devstoreaccount1", options.Storage.ConnectionString, StringComparison.Ordinal);
        Assert.Equal(BusKind.Sqlite, options.Bus.Kind);
        Assert.Equal(Path.GetFullPath("/data/store/bus.db"), options.Bus.Path);
        Assert.Empty(options.Validate());
    }
}
