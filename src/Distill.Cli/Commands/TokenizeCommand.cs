using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Distill.Training.Tokenizers;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill tokenize --tokenizer PATH [--special] [--tokens] [--json] TEXT...`: the token ids of a text (the TEXT
/// arguments joined by spaces, or standard input as is when TEXT is `-`), optionally with the token strings.
/// </summary>
internal static class TokenizeCommand
{
    private const string Name = "distill tokenize";

    public static Command Create(TextReader input)
    {
        var tokenizer = new Option<string>("--tokenizer")
        {
            Description = "A tokenizer.json file, or a folder holding one.",
            Required = true,
        };
        var special = new Option<bool>("--special") { Description = "Add the tokenizer's template tokens (e.g. BOS) and read special tokens written in the text as themselves." };
        var tokens = new Option<bool>("--tokens") { Description = "Print each token's string beside its id." };
        var json = new Option<bool>("--json") { Description = "Print a JSON object instead of text." };
        var text = new Argument<string[]>("TEXT")
        {
            Description = "The text (several arguments are joined by single spaces); '-' reads standard input.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("tokenize", "Print the token ids of a text.") { tokenizer, special, tokens, json, text };
        command.SetAction((parse, cancellationToken) =>
        {
            var request = new Request(parse.GetRequiredValue(tokenizer), parse.GetRequiredValue(text), parse.GetValue(special), parse.GetValue(tokens), parse.GetValue(json));
            var configuration = parse.InvocationConfiguration;
            return Task.FromResult(Run(request, input, configuration.Output, configuration.Error));
        });
        return command;
    }

    private static int Run(Request request, TextReader input, TextWriter output, TextWriter error)
    {
        string text;
        if (request.Texts.Contains("-"))
        {
            if (request.Texts.Length > 1)
            {
                error.WriteLine($"{Name}: '-' (read standard input) must be the only TEXT");
                return DistillCommandLine.BadUsage;
            }
            text = input.ReadToEnd();
        }
        else
        {
            text = string.Join(' ', request.Texts);
        }

        BpeTokenizer tokenizer;
        try
        {
            tokenizer = BpeTokenizer.Load(request.TokenizerPath);
        }
        catch (Exception e) when (e is TokenizerFormatException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{Name}: {e.Message}");
            return DistillCommandLine.Failure;
        }

        var ids = request.Special ? tokenizer.Encode(text, addSpecialTokens: true) : tokenizer.Encode(text);
        if (request.Json)
        {
            var result = new TokenizeResult(tokenizer.Source, ids.Count, ids, request.Tokens ? ids.Select(tokenizer.IdToToken).ToList() : null);
            output.WriteLine(JsonSerializer.Serialize(result, CliJsonContext.Relaxed.TokenizeResult));
        }
        else if (request.Tokens)
        {
            foreach (var id in ids)
            {
                var token = tokenizer.IdToToken(id);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{id}\t{(token is null ? "null" : JsonSerializer.Serialize(token, CliJsonContext.Relaxed.String))}"));
            }
        }
        else
        {
            output.WriteLine(string.Join(' ', ids.Select(id => id.ToString(CultureInfo.InvariantCulture))));
        }
        return DistillCommandLine.Ok;
    }

    private sealed record Request(string TokenizerPath, string[] Texts, bool Special, bool Tokens, bool Json);
}
