using Distill.Contracts.Methods;

namespace Distill.Contracts.Tests.Methods;

/// <summary>The method section's depth-free validation, which the manifest uses before the teacher is known.</summary>
public sealed class MethodOptionsValidateTests
{
    [Fact]
    public void Validate_WithoutDepths_SkipsOnlyTheLayerMapping()
    {
        var options = new MethodOptions
        {
            Name = MethodNames.FeatureAlignment,
            Temperature = -1,
            FeatureAlignment = new FeatureAlignmentOptions { HiddenLoss = "l1", LayerPairs = [new LayerPair(9, 9)] },
        };

        Assert.Equal(
        [
            "method.temperature: must be > 0, got -1",
            "method.featureAlignment.hiddenLoss: unknown kind 'l1' (known: mse, cosine)",
        ], options.Validate());
        Assert.Contains("method.featureAlignment.layerPairs[0].student: layer 9 is outside the student's layers 1..2 (0, the embeddings, is never matched)", options.Validate(2, 4));
    }

    [Fact]
    public void Validate_WithoutDepths_StillRejectsIntervalsBelowOne()
    {
        var options = new MethodOptions { Name = MethodNames.Ted, Ted = new TedOptions { StudentInterval = 0, TeacherInterval = -2 } };

        Assert.Equal(
        [
            "method.ted.studentInterval: must be ≥ 1 (or null for auto), got 0",
            "method.ted.teacherInterval: must be ≥ 1 (or null for auto), got -2",
        ], options.Validate());
        Assert.Equal(options.Validate(), options.Validate(4, 8));
    }

    [Fact]
    public void Validate_WithDepths_KeepsItsEarlierMessages()
    {
        Assert.Equal(
            ["the student has 0 layers; it needs at least 1", "method.name: is required (known: ce, kd, reverse-kl, atkd, ted, lwd, feature-alignment)"],
            new MethodOptions().Validate(0, 4));
    }
}
