using System.Text;
using Distill.Training.Data;

namespace Distill.Training.Tests.Data;

/// <summary>A tokenizer for tests: one id per UTF-8 byte (0..255), and an optional end-of-text id.</summary>
internal sealed class ByteTokenizer(int vocabSize = 257, int? eosTokenId = 256) : ITextTokenizer
{
    public const int Eos = 256;
    private int _encodeCalls;

    /// <summary>How many times <see cref="Encode"/> ran (reuse must not tokenize).</summary>
    public int EncodeCalls => Volatile.Read(ref _encodeCalls);

    public int VocabSize => vocabSize;

    public int? EosTokenId => eosTokenId;

    public IReadOnlyList<int> Encode(string text)
    {
        Interlocked.Increment(ref _encodeCalls);
        return Encoding.UTF8.GetBytes(text).Select(b => (int)b).ToArray();
    }

    /// <summary>The token ids as text, each id that is not a byte written as &lt;id&gt;.</summary>
    public static string Show(IEnumerable<int> ids)
    {
        var text = new StringBuilder();
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (id < 256)
            {
                bytes.Add((byte)id);
                continue;
            }
            text.Append(Encoding.UTF8.GetString(bytes.ToArray()));
            bytes.Clear();
            text.Append('<').Append(id).Append('>');
        }
        return text.Append(Encoding.UTF8.GetString(bytes.ToArray())).ToString();
    }
}
