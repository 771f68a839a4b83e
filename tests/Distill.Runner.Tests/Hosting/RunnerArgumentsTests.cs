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
    }

    [Theory]
    [InlineData(new[] { "--store" }, "--store needs a value")]
    [InlineData(new[] { "--store", "--once" }, "--store needs a value")]
    [InlineData(new[] { "--idle-exit", "soon" }, "--idle-exit 'soon' is not a number of seconds ≥ 0")]
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
