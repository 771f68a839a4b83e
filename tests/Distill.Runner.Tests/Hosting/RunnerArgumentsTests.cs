using Distill.Runner.Hosting;

namespace Distill.Runner.Tests.Hosting;

public sealed class RunnerArgumentsTests
{
    private static readonly Func<string, string?> s_noEnvironment = _ => null;

    [Fact]
    public void TryParse_Arguments_OverrideTheEnvironment()
    {
        var environment = new Dictionary<string, string> { ["DISTILL_STORE"] = "/env/store", ["DISTILL_RUNNER_ID"] = "env-runner", ["DISTILL_RUNNER_IDLE_EXIT"] = "30" };

        Assert.True(RunnerArguments.TryParse(["--store", "/arg/store", "--once", "--idle-exit", "2.5"], environment.GetValueOrDefault, out var arguments, out _));

        Assert.Equal("/arg/store", arguments.Store);
        Assert.Equal("env-runner", arguments.RunnerId);
        Assert.True(arguments.Once);
        Assert.Equal(TimeSpan.FromSeconds(2.5), arguments.IdleExit);
        Assert.Null(arguments.Folder);
        Assert.Null(arguments.RetryDelay);
    }

    [Fact]
    public void TryParse_RetryDelay_FromTheArgumentsOrTheEnvironment()
    {
        var environment = new Dictionary<string, string> { ["DISTILL_RUNNER_RETRY_DELAY"] = "3" };

        Assert.True(RunnerArguments.TryParse([], environment.GetValueOrDefault, out var fromEnvironment, out _));
        Assert.True(RunnerArguments.TryParse(["--retry-delay", "0"], environment.GetValueOrDefault, out var fromArguments, out _));

        Assert.Equal(TimeSpan.FromSeconds(3), fromEnvironment.RetryDelay);
        Assert.Equal(TimeSpan.Zero, fromArguments.RetryDelay);
    }

    [Fact]
    public void TryParse_Target_FromArgumentsOrTheEnvironment()
    {
        var environment = new Dictionary<string, string> { ["DISTILL_TARGET"] = "azure", ["DISTILL_AZURITE_PORT"] = "10005" };

        Assert.True(RunnerArguments.TryParse([], environment.GetValueOrDefault, out var fromEnvironment, out _));
        Assert.True(RunnerArguments.TryParse(["--target", "azurite", "--azurite-port", "10011"], environment.GetValueOrDefault, out var fromArguments, out _));
        Assert.True(RunnerArguments.TryParse([], s_noEnvironment, out var defaults, out _));

        Assert.Equal(Pipeline.Configuration.PipelineTarget.Azure, fromEnvironment.Target);
        Assert.Equal(10005, fromEnvironment.AzuritePort);
        Assert.Equal(Pipeline.Configuration.PipelineTarget.Azurite, fromArguments.Target);
        Assert.Equal(10011, fromArguments.AzuritePort);
        Assert.Equal(Pipeline.Configuration.PipelineTarget.Local, defaults.Target);
        Assert.Equal(10000, defaults.AzuritePort);
    }

    [Theory]
    [InlineData(new[] { "--target", "cloud" }, "--target 'cloud' is not local, azure, azurite")]
    [InlineData(new[] { "--azurite-port", "70000" }, "--azurite-port '70000' is not a port (1 to 65535)")]
    [InlineData(new[] { "--store" }, "--store needs a value")]
    [InlineData(new[] { "--store", "--once" }, "--store needs a value")]
    [InlineData(new[] { "--idle-exit", "soon" }, "--idle-exit 'soon' is not a number of seconds ≥ 0")]
    [InlineData(new[] { "--retry-delay", "-1" }, "--retry-delay '-1' is not a number of seconds ≥ 0")]
    [InlineData(new[] { "--verbose" }, "unknown argument '--verbose'")]
    public void TryParse_BadArguments_SaysWhy(string[] args, string expected)
    {
        Assert.False(RunnerArguments.TryParse(args, s_noEnvironment, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Options_NoRunnerId_UsesHostAndProcessUnderTheStore()
    {
        var options = LocalWorker.Options("/tmp/store");

        Assert.Equal(StageWorkerOptions.DefaultRunnerId(), options.RunnerId);
        Assert.EndsWith("-" + Environment.ProcessId, options.RunnerId, StringComparison.Ordinal);
        Assert.Equal(Path.Join("/tmp/store", "runners", options.RunnerId), options.Folder);
    }

    [Fact]
    public void Options_RunnerIdWithASlash_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => LocalWorker.Options("/tmp/store", "a/b"));
    }
}
