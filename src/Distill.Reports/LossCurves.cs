using Distill.Reports.Charts;

namespace Distill.Reports;

/// <summary>
/// The loss chart of a run: for each training stage the loss it trained on (the method's weighted objective) and, where
/// computed, the student's cross-entropy on the validation blocks, over its steps.
/// </summary>
public static class LossCurves
{
    /// <summary>A line per stage's training objective and per stage's validation cross-entropy, named after the stage.</summary>
    /// <exception cref="ArgumentException">No history has a point.</exception>
    public static LineChart Chart(IReadOnlyList<TrainingHistory> histories, string title = "Loss by training stage")
    {
        ArgumentNullException.ThrowIfNull(histories);
        var series = new List<ChartSeries>();
        foreach (var history in histories.Where(h => h.Points.Count > 0))
        {
            series.Add(new ChartSeries($"{history.Stage}: training objective",
                [.. history.Points.Select(p => (double)p.Step)], [.. history.Points.Select(p => p.Loss)]));
            var validation = history.Points.Where(p => p.ValidationLoss is not null).ToArray();
            if (validation.Length > 0)
            {
                series.Add(new ChartSeries($"{history.Stage}: validation cross-entropy",
                    [.. validation.Select(p => (double)p.Step)], [.. validation.Select(p => p.ValidationLoss ?? double.NaN)]));
            }
        }
        if (series.Count == 0)
        {
            throw new ArgumentException("no training history has a point to draw", nameof(histories));
        }
        return new LineChart { Title = title, XLabel = "step", YLabel = "loss (nats per token)", Series = series, IntegerX = true };
    }
}
