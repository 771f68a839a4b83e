using Distill.Contracts.Methods;
using Distill.Contracts.Models;
using Distill.Training.Distillation;
using Distill.Training.Models;

namespace Distill.Training.Tests.Distillation;

public sealed class MethodOptionsTests
{
    [Fact]
    public void Validate_UnknownMethod_ListsTheKnownOnes()
    {
        var problems = new MethodOptions { Name = "foo" }.Validate(6, 12);
        Assert.Equal(["method.name: unknown method 'foo' (known: ce, kd, reverse-kl, atkd, ted, lwd, feature-alignment)"], problems);
    }

    [Fact]
    public void Validate_MissingName_IsRequired() =>
        Assert.StartsWith("method.name: is required", Assert.Single(new MethodOptions().Validate(6, 12)), StringComparison.Ordinal);

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.PositiveInfinity)]
    public void Validate_TemperatureNotPositive_IsRejected(double temperature)
    {
        var problem = Assert.Single(new MethodOptions { Name = MethodNames.Kd, Temperature = temperature }.Validate(6, 12));
        Assert.StartsWith("method.temperature: must be > 0, got ", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NegativeWeight_NamesTheWeight()
    {
        var options = new MethodOptions { Name = MethodNames.Kd, Weights = new MethodWeights { Kd = -0.5 } };
        Assert.Equal(["method.weights.kd: must be ≥ 0, got -0.5"], options.Validate(6, 12));
    }

    [Fact]
    public void Validate_WeightForATermTheMethodLacks_IsRejected()
    {
        var options = new MethodOptions { Name = MethodNames.Kd, Weights = new MethodWeights { Attention = 1 } };
        Assert.Equal(["method.weights.attention: the 'kd' method has no attention term"], options.Validate(6, 12));
    }

    [Fact]
    public void Validate_EveryWeightZero_IsRejected()
    {
        var options = new MethodOptions { Name = MethodNames.Kd, Weights = new MethodWeights { Kd = 0 } };
        Assert.Equal(["method.weights: every weight is 0, so nothing would be trained"], options.Validate(6, 12));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    public void Validate_HardFractionOutsideOpenUnitInterval_IsRejected(double fraction)
    {
        var options = new MethodOptions { Name = MethodNames.Atkd, Atkd = new AtkdOptions { HardFraction = fraction } };
        Assert.StartsWith("method.atkd.hardFraction: must be in (0, 1)", Assert.Single(options.Validate(6, 12)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void Validate_LambdaOutsideUnitInterval_IsRejected(double lambda)
    {
        var options = new MethodOptions { Name = MethodNames.Atkd, Atkd = new AtkdOptions { Lambda = lambda } };
        Assert.StartsWith("method.atkd.lambda: must be in [0, 1]", Assert.Single(options.Validate(6, 12)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void Validate_LambdaAtTheBounds_IsAccepted(double lambda) =>
        Assert.Empty(new MethodOptions { Name = MethodNames.Atkd, Atkd = new AtkdOptions { Lambda = lambda } }.Validate(6, 12));

    [Fact]
    public void Validate_TedIntervalNotDividingLayers_NamesTheField()
    {
        var options = new MethodOptions { Name = MethodNames.Ted, Ted = new TedOptions { StudentInterval = 3 } };
        Assert.Equal(["method.ted.studentInterval: 3 does not divide the student's 4 layers"], options.Validate(4, 12));
    }

    [Fact]
    public void Validate_SeveralProblems_AreReportedTogether()
    {
        var options = new MethodOptions
        {
            Name = MethodNames.Atkd,
            Temperature = 0,
            Weights = new MethodWeights { Atkd = -1, Ce = double.NaN, Hidden = 2 },
            Atkd = new AtkdOptions { Lambda = 2, HardFraction = 1, Setting = "sideways" },
            Ted = new TedOptions(),
        };
        var problems = options.Validate(6, 12);
        Assert.Equal(
        [
            "method.temperature: must be > 0, got 0",
            "method.weights.ce: must be ≥ 0, got NaN",
            "method.weights.atkd: must be ≥ 0, got -1",
            "method.weights.hidden: the 'atkd' method has no hidden term",
            "method.ted: only the 'ted' and 'lwd' methods read this section (method.name is 'atkd')",
            "method.atkd.lambda: must be in [0, 1], got 2",
            "method.atkd.hardFraction: must be in (0, 1), got 1",
            "method.atkd.setting: unknown setting 'sideways' (known: forward, reverse)",
        ], problems);
    }

    [Fact]
    public void Validate_AtkdWithTemperatureOtherThanOne_IsRejected()
    {
        var problem = Assert.Single(new MethodOptions { Name = MethodNames.Atkd, Temperature = 2 }.Validate(6, 12));
        Assert.StartsWith("method.temperature: atkd runs at temperature 1", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_LwdWithFilterSettings_IsRejected()
    {
        var options = new MethodOptions { Name = MethodNames.Lwd, Ted = new TedOptions { FilterWidth = 64, Nonlinear = true } };
        var problems = options.Validate(6, 12);
        Assert.Equal(2, problems.Count);
        Assert.StartsWith("method.ted.filterWidth: ", problems[0], StringComparison.Ordinal);
        Assert.StartsWith("method.ted.nonlinear: ", problems[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_FeatureAlignmentBadKindAndPairs_ListsEach()
    {
        var options = new MethodOptions
        {
            Name = MethodNames.FeatureAlignment,
            FeatureAlignment = new FeatureAlignmentOptions { HiddenLoss = "l1", LayerPairs = [new(1, 2), new(3, 2)] },
        };
        Assert.Equal(
        [
            "method.featureAlignment.hiddenLoss: unknown kind 'l1' (known: mse, cosine)",
            "method.featureAlignment.layerPairs[1].student: layer 3 is outside the student's layers 1..2 (0, the embeddings, is never matched)",
        ], options.Validate(2, 4));
    }

    [Fact]
    public void Validate_DifferentVocabulariesForLogitDistillation_IsRejected()
    {
        var student = Config(layers: 2, vocabulary: 100);
        var teacher = Config(layers: 4, vocabulary: 120);
        var problem = Assert.Single(new MethodOptions { Name = MethodNames.Kd }.Validate(student, teacher));
        Assert.Contains("(100)", problem, StringComparison.Ordinal);
        Assert.Contains("(120)", problem, StringComparison.Ordinal);
        // Layer-wise distillation without the KD term needs no common vocabulary.
        Assert.Empty(new MethodOptions { Name = MethodNames.Lwd, Weights = new MethodWeights { Kd = 0 } }.Validate(student, teacher));
    }

    [Theory]
    [InlineData(MethodNames.Ce, 1, 0, 0, 0, 0, 0, 1)]
    [InlineData(MethodNames.Kd, 0, 1, 0, 0, 0, 0, 1)]
    [InlineData(MethodNames.ReverseKl, 0, 0, 1, 0, 0, 0, 1)]
    [InlineData(MethodNames.Atkd, 0, 0, 0, 1, 0, 0, 1)]
    [InlineData(MethodNames.Ted, 1, 1, 0, 0, 1, 0, 2)]
    [InlineData(MethodNames.Lwd, 1, 1, 0, 0, 1, 0, 2)]
    [InlineData(MethodNames.FeatureAlignment, 1, 1, 0, 0, 1, 1, 1)]
    public void Defaults_EachMethod_HaveTheDocumentedWeightsAndTemperature(string method, double ce, double kd, double reverseKl, double atkd,
        double hidden, double attention, double temperature)
    {
        var options = new MethodOptions { Name = method };
        Assert.Empty(options.Validate(6, 12));
        Assert.Equal(new TermWeights(ce, kd, reverseKl, atkd, hidden, attention), options.EffectiveWeights());
        Assert.Equal(temperature, options.EffectiveTemperature);
    }

    [Fact]
    public void EffectiveWeights_PartialWeights_KeepTheRestAtDefaults()
    {
        var options = new MethodOptions { Name = MethodNames.Ted, Weights = new MethodWeights { Hidden = 100 } };
        Assert.Equal(new TermWeights(1, 1, 0, 0, 100, 0), options.EffectiveWeights());
    }

    [Fact]
    public void ResolveLayerPairs_EachLayeredMethod_UsesItsMapping()
    {
        Assert.Equal([new(1, 2), new(2, 4), new(3, 6)], new MethodOptions { Name = MethodNames.Ted }.ResolveLayerPairs(3, 6));
        Assert.Equal([new(2, 4)], new MethodOptions { Name = MethodNames.Lwd, Ted = new TedOptions { StudentInterval = 2 } }.ResolveLayerPairs(2, 4));
        Assert.Equal([new(1, 2), new(2, 3), new(3, 5), new(4, 6)], new MethodOptions { Name = MethodNames.FeatureAlignment }.ResolveLayerPairs(4, 6));
        Assert.Empty(new MethodOptions { Name = MethodNames.Kd }.ResolveLayerPairs(4, 6));
        var error = Assert.Throws<MethodOptionsException>(() =>
            new MethodOptions { Name = MethodNames.Ted, Ted = new TedOptions { TeacherInterval = 5 } }.ResolveLayerPairs(3, 6));
        Assert.Equal(["method.ted.teacherInterval: 5 does not divide the teacher's 6 layers"], error.Problems);
    }

    [Fact]
    public void Json_FullSection_RoundTripsWithCamelCaseNames()
    {
        const string Json = """
            {
              "name": "feature-alignment",
              "temperature": 1.5,
              "weights": { "ce": 0.5, "kd": 1, "hidden": 20, "attention": 2 },
              "featureAlignment": { "hiddenLoss": "cosine", "layerPairs": [ { "student": 1, "teacher": 3 }, { "student": 2, "teacher": 6 } ] }
            }
            """;
        var options = MethodOptions.FromJson(Json);
        Assert.Equal(MethodNames.FeatureAlignment, options.Name);
        Assert.Equal(1.5, options.Temperature);
        Assert.Equal(new TermWeights(0.5, 1, 0, 0, 20, 2), options.EffectiveWeights());
        Assert.Equal(HiddenLossKind.Cosine, options.EffectiveFeatureAlignment.ParsedHiddenLoss);
        Assert.Equal([new(1, 3), new(2, 6)], options.FeatureAlignment!.LayerPairs!);
        var written = options.ToJson();
        Assert.Contains("\"hiddenLoss\": \"cosine\"", written, StringComparison.Ordinal);
        Assert.DoesNotContain("parsed", written, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("effective", written, StringComparison.OrdinalIgnoreCase);
        var again = MethodOptions.FromJson(written);
        Assert.Equal(options.EffectiveWeights(), again.EffectiveWeights());
        Assert.Equal(options.FeatureAlignment.LayerPairs, again.FeatureAlignment!.LayerPairs!);
    }

    [Fact]
    public void Json_TedAndAtkdSections_ReadEveryField()
    {
        var ted = MethodOptions.FromJson("""
            { "name": "ted", "ted": { "studentInterval": 1, "teacherInterval": 2, "filterWidth": 64, "nonlinear": true, "stageOneSteps": 50, "stageOneLearningRate": 0.001 } }
            """);
        Assert.Equal(new TedOptions { StudentInterval = 1, TeacherInterval = 2, FilterWidth = 64, Nonlinear = true, StageOneSteps = 50, StageOneLearningRate = 0.001 }, ted.Ted);
        var atkd = MethodOptions.FromJson("""{ "name": "atkd", "atkd": { "lambda": 0.3, "hardFraction": 0.4, "setting": "reverse" } }""");
        Assert.Equal(AtkdSetting.Reverse, atkd.EffectiveAtkd.ParsedSetting);
        Assert.Equal(0.3, atkd.EffectiveAtkd.Lambda);
        Assert.Equal(0.4, atkd.EffectiveAtkd.HardFraction);
    }

    [Fact]
    public void Json_PartialSections_KeepTheDefaultsOfTheFieldsLeftOut()
    {
        var ted = MethodOptions.FromJson("""{ "name": "ted", "ted": { "filterWidth": 24 } }""");
        var atkd = MethodOptions.FromJson("""{ "name": "atkd", "atkd": { "setting": "reverse" } }""");
        var alignment = MethodOptions.FromJson("""{ "name": "feature-alignment", "featureAlignment": { "layerPairs": [ { "student": 1, "teacher": 2 } ] } }""");

        Assert.Equal(new TedOptions { FilterWidth = 24 }, ted.Ted);
        Assert.Equal(TedOptions.DefaultStageOneSteps, ted.EffectiveTed.StageOneSteps);
        Assert.Equal(AtkdOptions.DefaultLambda, atkd.EffectiveAtkd.Lambda);
        Assert.Equal(AtkdOptions.DefaultHardFraction, atkd.EffectiveAtkd.HardFraction);
        Assert.Equal(HiddenLossKind.Mse, alignment.EffectiveFeatureAlignment.ParsedHiddenLoss);
        Assert.Empty(ted.Validate(2, 4));
        Assert.Empty(atkd.Validate(2, 4));
        Assert.Empty(alignment.Validate(2, 4));
    }

    [Fact]
    public void Json_UnknownField_IsRejectedWithItsPath()
    {
        var error = Assert.Throws<MethodOptionsException>(() => MethodOptions.FromJson("""{ "name": "kd", "temprature": 2 }"""));
        Assert.StartsWith("method.temprature: ", Assert.Single(error.Problems), StringComparison.Ordinal);
        var nested = Assert.Throws<MethodOptionsException>(() => MethodOptions.FromJson("""{ "name": "kd", "weights": { "kl": 2 } }"""));
        Assert.StartsWith("method.weights.kl: ", Assert.Single(nested.Problems), StringComparison.Ordinal);
    }

    private static ModelConfig Config(int layers, int vocabulary) => new()
    {
        ModelType = "gpt2",
        VocabSize = vocabulary,
        HiddenSize = 16,
        NumLayers = layers,
        NumHeads = 2,
        NumKeyValueHeads = 2,
        HeadDim = 8,
        IntermediateSize = 64,
        MaxPositions = 32,
        NormEps = 1e-5,
        Activation = "gelu_new",
        TieWordEmbeddings = true,
    };
}
