using Distill.Contracts.Manifests;
using Distill.Torch;
using Distill.Training.Data;
using Distill.Training.Models;

namespace Distill.Runner.Tests.Worker;

public sealed class ManifestTrainingTests
{
    private static PipelineManifest Manifest(string training, string method = """{ "name": "kd" }""", string data = """{ "train": ["data"] }""") =>
        PipelineManifest.Parse($$"""{ "version": 1, "name": "run", "data": {{data}}, "method": {{method}}, "training": {{training}} }""");

    [Fact]
    public void TrainerOptions_EveryTrainingField_MapsOneToOne()
    {
        var manifest = Manifest("""
            { "steps": 300, "batchSize": 16, "gradientAccumulation": 2, "learningRate": 0.002, "minLearningRate": 0.0001, "warmupSteps": 30,
              "weightDecay": 0.05, "maxGradNorm": 0.5, "seed": 7, "checkpointEvery": 100, "evaluateEvery": 50, "device": "cpu", "bf16": true }
            """);

        var options = ManifestTraining.TrainerOptions(manifest, Device.Cpu);

        Assert.Equal(300, options.Steps);
        Assert.Equal(16, options.BatchSize);
        Assert.Equal(2, options.GradientAccumulation);
        Assert.Equal(0.002, options.LearningRate);
        Assert.Equal(0.0001, options.MinLearningRate);
        Assert.Equal(30, options.WarmupSteps);
        Assert.Equal(0.05, options.WeightDecay);
        Assert.Equal(0.5, options.MaxGradNorm);
        Assert.Equal(7UL, options.Seed);
        Assert.Equal(100, options.CheckpointEvery);
        Assert.Equal(50, options.EvaluateEvery);
        Assert.Equal(Device.Cpu, options.Device);
        Assert.False(options.Bf16Autocast);
        Assert.Equal(1, options.ProgressEvery);
        options.Validate();
    }

    [Fact]
    public void TrainerOptions_Cuda_TurnsBf16OnAndReadsTheLossLessOften()
    {
        var options = ManifestTraining.TrainerOptions(Manifest("""{ "bf16": true }"""), Device.Cuda(0));

        Assert.True(options.Bf16Autocast);
        Assert.Equal(10, options.ProgressEvery);
    }

    [Theory]
    [InlineData(TrainingDevice.Auto, 0, "cpu")]
    [InlineData(TrainingDevice.Auto, 1, "cuda:0")]
    [InlineData(TrainingDevice.Cpu, 1, "cpu")]
    [InlineData(TrainingDevice.Cuda, 2, "cuda:0")]
    public void ResolveDevice_WhatTheRunnerHas_PicksTheDevice(TrainingDevice asked, int cudaDevices, string expected)
    {
        Assert.Equal(expected, ManifestTraining.ResolveDevice(asked, cudaDevices).ToString());
    }

    [Fact]
    public void ResolveDevice_CudaOnARunnerWithout_IsBadInputSayingSo()
    {
        var error = Assert.Throws<StageInputException>(() => ManifestTraining.ResolveDevice(TrainingDevice.Cuda, 0));
        Assert.Contains("training.device is 'cuda' but this runner has no CUDA device", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Method_Ted_TrainsStageOneForTheFilterSteps()
    {
        var method = ManifestTraining.Method(Manifest("""{ "steps": 200, "filterSteps": 25 }""", """{ "name": "ted", "ted": { "stageOneLearningRate": 0.001 } }"""));

        Assert.Equal(25, method.EffectiveTed.StageOneSteps);
        Assert.Equal(0.001, method.EffectiveTed.StageOneLearningRate);
        Assert.Equal(20, ManifestTraining.Method(Manifest("""{ "steps": 200 }""", """{ "name": "ted" }""")).EffectiveTed.StageOneSteps);
    }

    [Fact]
    public void DataOptions_ValidationFiles_HoldNothingOut()
    {
        var withFiles = ManifestTraining.DataOptions(Manifest("{}", data: """{ "train": ["a"], "validation": ["b"], "blockSize": 64, "invalidRecords": "skip", "textField": "body" }"""));
        var held = ManifestTraining.DataOptions(Manifest("{}", data: """{ "train": ["a"], "validationFraction": 0.2 }"""));

        Assert.Equal(0, withFiles.ValidationFraction);
        Assert.Equal(64, withFiles.BlockSize);
        Assert.Equal(InvalidRecordPolicy.Skip, withFiles.InvalidRecords);
        Assert.Equal("body", withFiles.TextField);
        Assert.Equal(0.2, held.ValidationFraction);
    }

    [Fact]
    public void Initialization_StudentInit_Maps()
    {
        Assert.Equal(StudentInitialization.FromTeacher, ManifestTraining.Initialization(Manifest("{}")));
        var random = PipelineManifest.Parse("""{ "version": 1, "name": "run", "data": { "train": ["d"] }, "method": { "name": "kd" }, "student": { "init": "random" } }""");
        Assert.Equal(StudentInitialization.Random, ManifestTraining.Initialization(random));
    }
}
