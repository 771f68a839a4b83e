using System.Globalization;
using System.Text;

namespace Distill.Training.Tokenizers;

/// <summary>
/// Unicode normalization form C, implemented here because the runtime's own normalization is unavailable when
/// globalization is invariant (as Distill builds). Canonical decomposition, canonical ordering, then canonical
/// composition, with Hangul handled arithmetically; the data is Unicode 15.0's (UnicodeNormalizationData.txt).
/// </summary>
internal static class UnicodeNfc
{
    private const int HangulSBase = 0xAC00;
    private const int HangulLBase = 0x1100;
    private const int HangulVBase = 0x1161;
    private const int HangulTBase = 0x11A7;
    private const int HangulLCount = 19;
    private const int HangulVCount = 21;
    private const int HangulTCount = 28;
    private const int HangulNCount = HangulVCount * HangulTCount;
    private const int HangulSCount = HangulLCount * HangulNCount;

    /// <summary>Below this code point every character is stable under NFC and nothing composes with it.</summary>
    private const int FirstUnstable = 0x300;

    private static readonly Lazy<Tables> s_tables = new(LoadTables);

    /// <summary><paramref name="text"/> in normalization form C.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var i = 0;
        while (i < text.Length && text[i] < FirstUnstable)
        {
            i++;
        }
        if (i == text.Length)
        {
            return text;
        }
        var tables = s_tables.Value;
        var scalars = new List<int>(text.Length + 8);
        foreach (var rune in text.EnumerateRunes())
        {
            Decompose(rune.Value, scalars, tables);
        }
        SortCombiningMarks(scalars, tables);
        Compose(scalars, tables);
        var builder = new StringBuilder(scalars.Count + 8);
        foreach (var scalar in scalars)
        {
            builder.Append(new Rune(scalar).ToString());
        }
        var result = builder.ToString();
        return result == text ? text : result;
    }

    private static void Decompose(int scalar, List<int> output, Tables tables)
    {
        var sIndex = scalar - HangulSBase;
        if (sIndex is >= 0 and < HangulSCount)
        {
            output.Add(HangulLBase + (sIndex / HangulNCount));
            output.Add(HangulVBase + (sIndex % HangulNCount / HangulTCount));
            var t = sIndex % HangulTCount;
            if (t != 0)
            {
                output.Add(HangulTBase + t);
            }
            return;
        }
        if (tables.Decompositions.TryGetValue(scalar, out var mapping))
        {
            foreach (var part in mapping)
            {
                Decompose(part, output, tables);
            }
            return;
        }
        output.Add(scalar);
    }

    /// <summary>Canonical ordering: a stable sort of each run of non-starters by combining class.</summary>
    private static void SortCombiningMarks(List<int> scalars, Tables tables)
    {
        for (var i = 1; i < scalars.Count; i++)
        {
            var ccc = tables.CombiningClass(scalars[i]);
            if (ccc == 0)
            {
                continue;
            }
            var j = i;
            while (j > 0 && tables.CombiningClass(scalars[j - 1]) > ccc)
            {
                (scalars[j - 1], scalars[j]) = (scalars[j], scalars[j - 1]);
                j--;
            }
        }
    }

    private static void Compose(List<int> scalars, Tables tables)
    {
        if (scalars.Count < 2)
        {
            return;
        }
        var starter = tables.CombiningClass(scalars[0]) == 0 ? 0 : -1;
        var lastClass = starter == 0 ? 0 : 256;
        var write = 1;
        for (var read = 1; read < scalars.Count; read++)
        {
            var scalar = scalars[read];
            var ccc = tables.CombiningClass(scalar);
            var blocked = starter < 0 || (lastClass != 0 && lastClass >= ccc) || (lastClass == 0 && write - 1 != starter);
            if (!blocked && TryComposePair(scalars[starter], scalar, tables, out var composite))
            {
                scalars[starter] = composite;
                continue;
            }
            if (ccc == 0)
            {
                starter = write;
            }
            lastClass = ccc;
            scalars[write++] = scalar;
        }
        scalars.RemoveRange(write, scalars.Count - write);
    }

    private static bool TryComposePair(int first, int second, Tables tables, out int composite)
    {
        var lIndex = first - HangulLBase;
        if (lIndex is >= 0 and < HangulLCount)
        {
            var vIndex = second - HangulVBase;
            if (vIndex is >= 0 and < HangulVCount)
            {
                composite = HangulSBase + (((lIndex * HangulVCount) + vIndex) * HangulTCount);
                return true;
            }
        }
        var sIndex = first - HangulSBase;
        if (sIndex is >= 0 and < HangulSCount && sIndex % HangulTCount == 0)
        {
            var tIndex = second - HangulTBase;
            if (tIndex is > 0 and < HangulTCount)
            {
                composite = first + tIndex;
                return true;
            }
        }
        return tables.Compositions.TryGetValue(((long)first << 21) | (uint)second, out composite);
    }

    private static Tables LoadTables()
    {
        var assembly = typeof(UnicodeNfc).Assembly;
        using var stream = assembly.GetManifestResourceStream("Distill.Training.Tokenizers.UnicodeNormalizationData.txt")
            ?? throw new InvalidOperationException("the Unicode normalization data is not embedded in Distill.Training");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var classes = new Dictionary<int, byte>();
        var decompositions = new Dictionary<int, int[]>();
        var compositions = new Dictionary<long, int>(PairKeyComparer.Instance);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var fields = line.Split(' ');
            if (fields[0] == "c")
            {
                var first = Hex(fields[1]);
                var last = Hex(fields[2]);
                var ccc = byte.Parse(fields[3], CultureInfo.InvariantCulture);
                for (var cp = first; cp <= last; cp++)
                {
                    classes[cp] = ccc;
                }
                continue;
            }
            var scalar = Hex(fields[1]);
            var mapping = fields.Skip(2).Select(Hex).ToArray();
            decompositions[scalar] = mapping;
            if (fields[0] == "d" && mapping.Length == 2)
            {
                compositions[((long)mapping[0] << 21) | (uint)mapping[1]] = scalar;
            }
        }
        return new Tables(classes, decompositions, compositions);
    }

    private static int Hex(string text) => int.Parse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private sealed class Tables(Dictionary<int, byte> classes, Dictionary<int, int[]> decompositions, Dictionary<long, int> compositions)
    {
        public Dictionary<int, int[]> Decompositions { get; } = decompositions;

        public Dictionary<long, int> Compositions { get; } = compositions;

        public int CombiningClass(int scalar) => scalar < FirstUnstable ? 0 : classes.GetValueOrDefault(scalar);
    }
}
