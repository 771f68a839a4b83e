using System.Text.RegularExpressions;
using Distill.Contracts.Events;
using Distill.Contracts.Manifests;
using Distill.Contracts.Tests.Manifests;
using Distill.TestSupport;

namespace Distill.Contracts.Tests;

/// <summary>The README's examples are what the code reads and writes.</summary>
public sealed partial class ReadmeTests
{
    private static readonly string s_readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "src", "Distill.Contracts", "README.md"));

    [GeneratedRegex(@"```json\n(?<json>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

    [GeneratedRegex(@"### (?<type>distill\.[a-z.]+)\n\n```json\n(?<json>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex EventBlock();

    [Fact]
    public void ManifestExample_IsTheDemoManifestAndValidForItsTeacher()
    {
        var json = JsonBlock().Match(s_readme).Groups["json"].Value;

        var manifest = PipelineManifest.Parse(json);

        Assert.Equal(ManifestExamples.Demo.ReplaceLineEndings("\n").Trim(), json.Trim());
        Assert.Empty(manifest.Validate(ManifestExamples.Gpt2Teacher()));
    }

    [GeneratedRegex(@"```text\n(?<text>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex TextBlock();

    [Fact]
    public void ErrorExample_IsWhatParseReports()
    {
        const string Broken = """
            { "version": 1, "name": "Tiny GPT2",
              "data": { "train": ["../shared/train.jsonl"], "blockSize": "128" },
              "student": { "hiddenSize": 30, "heads": 4 },
              "method": { "name": "kd", "temprature": 2 },
              "training": { "steps": 0 } }
            """;

        var error = Assert.Throws<ManifestException>(() => PipelineManifest.Parse(Broken));

        Assert.Equal(TextBlock().Match(s_readme).Groups["text"].Value, error.Message);
    }

    [Fact]
    public void EventExamples_CoverEveryTypeAndReadBackAsTheirPayload()
    {
        var blocks = EventBlock().Matches(s_readme);

        Assert.Equal(DistillEventTypes.All, blocks.Select(b => b.Groups["type"].Value));
        foreach (Match block in blocks)
        {
            var envelope = CloudEventEnvelope.FromJson(block.Groups["json"].Value);
            var data = DistillEvents.ReadData(envelope);

            Assert.Equal(block.Groups["type"].Value, envelope.Type);
            Assert.Equal(envelope.Id, data.EventId);
            Assert.Equal(envelope.ToJson(), DistillEvents.ToCloudEvent(data, envelope.Time!.Value).ToJson());
        }
    }
}
