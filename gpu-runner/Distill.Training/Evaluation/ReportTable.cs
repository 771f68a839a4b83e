using System.Text;

namespace Distill.Training.Evaluation;

/// <summary>
/// A table of already formatted cells, for a console renderer (the CLI draws it with Spectre.Console) or as plain
/// text through <see cref="ToPlainText"/>.
/// </summary>
public sealed record ReportTable(string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows)
{
    /// <summary>The title, then the columns aligned with spaces and a rule under the header; numbers align right.</summary>
    public string ToPlainText()
    {
        var widths = Columns.Select(c => c.Length).ToArray();
        foreach (var row in Rows)
        {
            for (var i = 0; i < widths.Length && i < row.Count; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }
        var numeric = Enumerable.Range(0, widths.Length)
            .Select(i => Rows.Count > 0 && Rows.All(r => i >= r.Count || IsNumber(r[i])))
            .ToArray();
        var text = new StringBuilder();
        text.Append(Title).Append('\n');
        AppendRow(text, Columns, widths, numeric);
        text.Append(string.Join("  ", widths.Select(w => new string('-', w)))).Append('\n');
        foreach (var row in Rows)
        {
            AppendRow(text, row, widths, numeric);
        }
        return text.ToString();
    }

    private static void AppendRow(StringBuilder text, IReadOnlyList<string> cells, int[] widths, bool[] numeric)
    {
        var line = new StringBuilder();
        for (var i = 0; i < widths.Length; i++)
        {
            var cell = i < cells.Count ? cells[i] : "";
            if (i > 0)
            {
                line.Append("  ");
            }
            line.Append(numeric[i] ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]));
        }
        text.Append(line.ToString().TrimEnd()).Append('\n');
    }

    private static bool IsNumber(string cell) =>
        cell.Length > 0 && cell.All(c => char.IsAsciiDigit(c) || c is '.' or ',' or '-' or '+' or '%') || cell == "—";
}
