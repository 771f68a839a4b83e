using System.Security.Cryptography;

namespace Distill.Training.Tokenizers;

/// <summary>Where a tokenizer's files are, what identifies one, and copying them next to a model.</summary>
public static class TokenizerFiles
{
    public const string TokenizerJsonFileName = "tokenizer.json";

    /// <summary>Files beside tokenizer.json that hold its special-token hints; copied with it.</summary>
    public static IReadOnlyList<string> HintFileNames { get; } = ["tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"];

    /// <summary>The tokenizer.json a path stands for: the path itself, or the tokenizer.json inside a folder.</summary>
    public static string ResolveJson(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        return Directory.Exists(full) ? Path.Combine(full, TokenizerJsonFileName) : full;
    }

    /// <summary>
    /// The identity of a tokenizer: "sha256:" and the SHA-256 of its tokenizer.json (a path to the file or its folder).
    /// Two tokenizers with equal identities encode alike; datasets are keyed by it.
    /// </summary>
    public static string Identity(string path)
    {
        using var stream = File.OpenRead(ResolveJson(path));
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// Copies the tokenizer at <paramref name="path"/> (a tokenizer.json file under any name, or a folder holding one)
    /// into <paramref name="folder"/> as tokenizer.json, with the hint files found beside it. Returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> CopyTo(string path, string folder)
    {
        var source = ResolveJson(path);
        if (!File.Exists(source))
        {
            throw new TokenizerFormatException(source, "", "the file does not exist");
        }
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        var destination = Path.Combine(Path.GetFullPath(folder), TokenizerJsonFileName);
        File.Copy(source, destination, overwrite: true);
        written.Add(destination);
        var sourceFolder = Path.GetDirectoryName(source) ?? ".";
        foreach (var name in HintFileNames)
        {
            var hint = Path.Combine(sourceFolder, name);
            if (File.Exists(hint))
            {
                var target = Path.Combine(Path.GetFullPath(folder), name);
                File.Copy(hint, target, overwrite: true);
                written.Add(target);
            }
        }
        return written;
    }
}
