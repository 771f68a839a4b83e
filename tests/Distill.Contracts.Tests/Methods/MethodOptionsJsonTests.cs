using Distill.Contracts.Methods;

namespace Distill.Contracts.Tests.Methods;

/// <summary>The method section read through the contracts' JSON context: defaults survive partial sections.</summary>
public sealed class MethodOptionsJsonTests
{
    [Fact]
    public void FromJson_PartialAtkdSection_KeepsTheDefaultsOfTheFieldsLeftOut()
    {
        var options = MethodOptions.FromJson("""{ "name": "atkd", "atkd": { "lambda": 0.3 } }""");

        Assert.Equal(new AtkdOptions { Lambda = 0.3 }, options.Atkd);
        Assert.Equal(AtkdOptions.DefaultHardFraction, options.Atkd!.HardFraction);
        Assert.Equal(AtkdSetting.Forward, options.Atkd.ParsedSetting);
        Assert.Empty(options.Validate(2, 4));
    }

    [Fact]
    public void FromJson_PartialTedAndFeatureAlignmentSections_KeepTheirDefaults()
    {
        var ted = MethodOptions.FromJson("""{ "name": "ted", "ted": { "nonlinear": true } }""");
        var alignment = MethodOptions.FromJson("""{ "name": "feature-alignment", "featureAlignment": { "layerPairs": [ { "student": 1, "teacher": 2 } ] } }""");

        Assert.Equal(new TedOptions { Nonlinear = true }, ted.Ted);
        Assert.Equal(TedOptions.DefaultStageOneSteps, ted.Ted!.StageOneSteps);
        Assert.Equal(HiddenLossKind.Mse, alignment.FeatureAlignment!.ParsedHiddenLoss);
    }
}
