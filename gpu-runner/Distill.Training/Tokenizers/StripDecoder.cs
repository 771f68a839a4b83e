using System.Text;

namespace Distill.Training.Tokenizers;

/// <summary>
/// <c>{"type": "Strip", "content": " ", "start": 1, "stop": 0}</c>: removes up to <c>start</c> leading and <c>stop</c>
/// trailing copies of the content character from every token.
/// </summary>
internal sealed class StripDecoder(Rune content, int start, int stop) : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens) => tokens.ConvertAll(Strip);

    private string Strip(string token)
    {
        var runes = token.EnumerateRunes().ToList();
        var startCut = 0;
        for (var i = 0; i < Math.Min(start, runes.Count) && runes[i] == content; i++)
        {
            startCut = i + 1;
        }
        var stopCut = runes.Count;
        for (var i = 0; i < Math.Min(stop, runes.Count - startCut); i++)
        {
            var index = runes.Count - i - 1;
            if (runes[index] != content)
            {
                break;
            }
            stopCut = index;
        }
        var builder = new StringBuilder(token.Length);
        for (var i = startCut; i < stopCut; i++)
        {
            builder.Append(runes[i].ToString());
        }
        return builder.ToString();
    }
}
