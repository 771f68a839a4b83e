using System.Text.Json;

namespace Distill.Cli.Tests;

[Collection(TeacherGroup.Name)]
public sealed class GenerateCommandTests(TrainedTeacherFixture teacher)
{
    private string[] GenerateArgs(params string[] more) =>
        ["generate", "--model", teacher.Folder, "--prompt", "the teacher", .. more, .. more.Contains("--max-new-tokens") ? Array.Empty<string>() : ["--max-new-tokens", "12"]];

    [Fact]
    public async Task Generate_Prompt_PrintsTheContinuation()
    {
        var run = await CommandRun.RunAsync(GenerateArgs("--seed", "5"));

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        Assert.Equal("", run.Error);
        Assert.EndsWith(Environment.NewLine, run.Output, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(run.Output), "the continuation should not be empty");
    }

    [Fact]
    public async Task Generate_SameSeed_GivesTheSameText()
    {
        var first = await CommandRun.RunAsync(GenerateArgs("--seed", "11"));
        var second = await CommandRun.RunAsync(GenerateArgs("--seed", "11"));
        var others = await Task.WhenAll(new[] { "12", "13", "14" }.Select(seed => CommandRun.RunAsync(GenerateArgs("--seed", seed))));

        Assert.Equal(first.Output, second.Output);
        Assert.Contains(others, o => o.Output != first.Output);
    }

    [Fact]
    public async Task Generate_TemperatureZero_IsGreedyWhateverTheSeed()
    {
        var first = await CommandRun.RunAsync(GenerateArgs("--temperature", "0", "--seed", "1", "--json"));
        var second = await CommandRun.RunAsync(GenerateArgs("--temperature", "0", "--seed", "2", "--json"));

        using var a = JsonDocument.Parse(first.Output);
        using var b = JsonDocument.Parse(second.Output);
        Assert.Equal("greedy", a.RootElement.GetProperty("strategy").GetString());
        Assert.Equal(a.RootElement.GetProperty("continuation").GetString(), b.RootElement.GetProperty("continuation").GetString());
    }

    [Fact]
    public async Task Generate_Json_HasTheContinuationAndHowItWasMade()
    {
        var text = await CommandRun.RunAsync(GenerateArgs("--seed", "7"));
        var run = await CommandRun.RunAsync(GenerateArgs("--seed", "7", "--json"));

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Equal(
            ["model", "prompt", "continuation", "newTokens", "stoppedAtEos", "strategy", "maxNewTokens", "temperature", "topK", "topP", "seed"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(teacher.Folder, root.GetProperty("model").GetString());
        Assert.Equal("the teacher", root.GetProperty("prompt").GetString());
        Assert.Equal(text.Output, root.GetProperty("continuation").GetString() + Environment.NewLine);
        Assert.InRange(root.GetProperty("newTokens").GetInt32(), 1, 12);
        Assert.Equal(7UL, root.GetProperty("seed").GetUInt64());
        Assert.Equal("top-k 40, T 0.8, seed 7", root.GetProperty("strategy").GetString());
    }

    [Fact]
    public async Task Generate_NoSeed_ReportsTheSeedItDrewSoTheTextCanBeRepeated()
    {
        var run = await CommandRun.RunAsync(GenerateArgs("--json"));
        using var json = JsonDocument.Parse(run.Output);
        var seed = json.RootElement.GetProperty("seed").GetUInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var again = await CommandRun.RunAsync(GenerateArgs("--seed", seed, "--json"));

        using var repeated = JsonDocument.Parse(again.Output);
        Assert.Equal(json.RootElement.GetProperty("continuation").GetString(), repeated.RootElement.GetProperty("continuation").GetString());
    }

    [Theory]
    [InlineData("--top-p", "0", "--top-p must be in (0, 1]")]
    [InlineData("--temperature", "-1", "--temperature must be 0 (greedy) or positive")]
    [InlineData("--max-new-tokens", "0", "--max-new-tokens must be at least 1")]
    public async Task Generate_ValueOutOfRange_IsBadUsage(string option, string value, string message)
    {
        var run = await CommandRun.RunAsync(GenerateArgs(option, value));

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }
}
