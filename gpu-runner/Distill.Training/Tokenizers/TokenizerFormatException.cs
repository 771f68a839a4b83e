namespace Distill.Training.Tokenizers;

/// <summary>
/// A tokenizer file that is malformed or uses a component Distill does not support. The message names the file and
/// the JSON path of the problem, e.g. <c>tokenizer.json: pre_tokenizer.pretokenizers[1]: type 'Digits' is not supported</c>.
/// </summary>
public sealed class TokenizerFormatException : Exception
{
    public TokenizerFormatException()
    {
    }

    public TokenizerFormatException(string message)
        : base(message)
    {
    }

    public TokenizerFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TokenizerFormatException(string file, string jsonPath, string problem, Exception? innerException = null)
        : base(Describe(file, jsonPath, problem), innerException)
    {
        File = file;
        JsonPath = jsonPath;
    }

    /// <summary>The file (or source name) the problem is in.</summary>
    public string? File { get; }

    /// <summary>Where in the JSON the problem is (<c>model.merges[12]</c>); empty for the document as a whole.</summary>
    public string? JsonPath { get; }

    private static string Describe(string file, string jsonPath, string problem) =>
        jsonPath.Length == 0 ? $"{file}: {problem}" : $"{file}: {jsonPath}: {problem}";
}
