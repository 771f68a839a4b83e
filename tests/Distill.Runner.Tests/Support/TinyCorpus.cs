using System.Text.Json;

namespace Distill.Runner.Tests.Support;

/// <summary>A few kilobytes of simple English sentences as JSONL documents, the same every time.</summary>
internal static class TinyCorpus
{
    private static readonly string[] s_subjects = ["the teacher", "the student", "a small model", "the large model", "the trainer"];
    private static readonly string[] s_verbs = ["learns from", "predicts", "copies", "writes", "reads"];
    private static readonly string[] s_objects = ["the next token", "a short story", "the data", "every word", "the answer"];
    private static readonly string[] s_times = ["on monday", "on tuesday", "in the morning", "at night", "every day", "after lunch", "before dinner"];

    /// <summary>The four sentences of document <paramref name="index"/> (documents 0 to 124 are all different).</summary>
    public static string Document(int index)
    {
        var sentences = Enumerable.Range(0, 4).Select(j =>
        {
            var k = index * 4 + j;
            return $"{s_subjects[k % 5]} {s_verbs[k / 5 % 5]} {s_objects[(k / 25 + j) % 5]} {s_times[(index + j) % 7]}.";
        });
        return string.Join(' ', sentences);
    }

    /// <summary>Documents <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> − 1 as {"text": ...} lines.</summary>
    public static string Jsonl(int first, int count) =>
        string.Join('\n', Enumerable.Range(first, count).Select(i => JsonSerializer.Serialize(new Dictionary<string, string> { ["text"] = Document(i) }))) + "\n";
}
