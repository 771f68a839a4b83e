using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Distill.Cli.Commands;

/// <summary>
/// The demo's training text as one JSONL file (one <c>{"text": ...}</c> document per line): by default the license texts
/// every Debian machine ships in <see cref="DefaultSource"/>, cut into paragraphs whose line breaks become spaces; JSONL
/// files given instead are copied line by line. The file is named after a hash of its content
/// (<c>corpus-{hash}.jsonl</c>), so a teacher trained on other text is recognised by its input path.
/// </summary>
internal static class DemoCorpus
{
    /// <summary>Where the default corpus comes from.</summary>
    public const string DefaultSource = "/usr/share/common-licenses";

    /// <summary>The least text the demo trains on.</summary>
    public const int MinimumBytes = 4_000;

    private const string FilePrefix = "corpus-";
    private const string FileExtension = ".jsonl";

    /// <summary>
    /// Writes the corpus of <paramref name="sources"/> (files or folders; symbolic links and files over 10 MB are left
    /// out) into <paramref name="dataFolder"/> unless the same content is there, deletes earlier corpora, and returns the
    /// file's name.
    /// </summary>
    /// <exception cref="DemoException">A source does not exist or the text is too short.</exception>
    public static string Write(IReadOnlyList<string> sources, string dataFolder)
    {
        var files = new List<string>();
        foreach (var source in sources)
        {
            if (Directory.Exists(source))
            {
                files.AddRange(Directory.GetFiles(source).Where(f => IsRegular(f)).Order(StringComparer.Ordinal));
            }
            else if (File.Exists(source))
            {
                files.Add(source);
            }
            else
            {
                throw new DemoException(source == DefaultSource
                    ? $"{DefaultSource} does not exist (it holds the license texts every Debian machine ships); give the demo some text with --corpus"
                    : $"{source}: no such file or folder (--corpus)");
            }
        }
        var text = new StringBuilder();
        foreach (var file in files)
        {
            if (file.EndsWith(FileExtension, StringComparison.OrdinalIgnoreCase))
            {
                foreach (var line in File.ReadLines(file).Where(l => !string.IsNullOrWhiteSpace(l)))
                {
                    text.Append(line.Trim()).Append('\n');
                }
                continue;
            }
            foreach (var paragraph in Paragraphs(File.ReadAllText(file)))
            {
                text.Append("{\"text\": ").Append(JsonSerializer.Serialize(paragraph, CliJsonContext.Relaxed.String)).Append("}\n");
            }
        }
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        if (bytes.Length < MinimumBytes)
        {
            throw new DemoException($"the corpus ({string.Join(", ", sources)}) holds {bytes.Length:N0} bytes of text; the demo needs at least {MinimumBytes:N0}");
        }
        var name = FilePrefix + Convert.ToHexStringLower(SHA256.HashData(bytes))[..12] + FileExtension;
        Directory.CreateDirectory(dataFolder);
        var path = Path.Join(dataFolder, name);
        if (!File.Exists(path) || !File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
        {
            var staging = path + ".tmp";
            File.WriteAllBytes(staging, bytes);
            File.Move(staging, path, overwrite: true);
        }
        foreach (var earlier in Directory.GetFiles(dataFolder, FilePrefix + "*").Where(f => Path.GetFileName(f) != name))
        {
            File.Delete(earlier);
        }
        return name;
    }

    /// <summary>The text's paragraphs (cut at blank lines), each on one line: runs of white space become one space.</summary>
    public static IEnumerable<string> Paragraphs(string text)
    {
        var paragraph = new StringBuilder();
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                if (paragraph.Length > 0)
                {
                    yield return paragraph.ToString();
                    paragraph.Clear();
                }
                continue;
            }
            foreach (var word in line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                if (paragraph.Length > 0)
                {
                    paragraph.Append(' ');
                }
                paragraph.Append(word);
            }
        }
        if (paragraph.Length > 0)
        {
            yield return paragraph.ToString();
        }
    }

    private static bool IsRegular(string file)
    {
        var info = new FileInfo(file);
        return info.LinkTarget is null && info.Length is > 0 and < 10_000_000;
    }
}
