using System.Text.Json;
using Distill.Reports;

namespace Distill.Runner.Tests.Reports;

public sealed class TrainingHistoryTests
{
    [Fact]
    public void FromJson_WhatToJsonWrote_ReadsBackTheSameCurve()
    {
        var history = new TrainingHistory
        {
            Stage = "distill",
            Steps = 3,
            ResumedFromStep = 2,
            TrainingSeconds = 1.5,
            Tokens = 300,
            Points = [new(1, 3.5, 1e-3), new(2, double.NaN, 1e-3, 3.1), new(3, 2.5, 5e-4)],
        };

        var read = TrainingHistory.FromJson(history.ToJson(), "history");

        Assert.Equal(history.Points, read.Points);
        Assert.Equal(200, read.TokensPerSecond);
        Assert.Equal(2.5, read.FinalLoss);
        Assert.Equal(3.1, read.FinalValidationLoss);
        Assert.Contains("\"loss\": \"NaN\"", history.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_NotAHistory_NamesTheSource()
    {
        var error = Assert.Throws<JsonException>(() => TrainingHistory.FromJson("[1, 2]", "student/training-history.json"));

        Assert.StartsWith("student/training-history.json: not a training history", error.Message, StringComparison.Ordinal);
    }
}
