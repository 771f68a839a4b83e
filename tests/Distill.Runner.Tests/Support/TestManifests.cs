namespace Distill.Runner.Tests.Support;

/// <summary>Manifests for the tiny teacher: a one-layer student, blocks of 16, a few steps.</summary>
internal static class TestManifests
{
    public static string Kd(string name = "tiny-kd", int steps = 6, int checkpointEvery = 2, string extraTraining = "", string data = """{ "train": ["data/train.jsonl"], "blockSize": 16 }""") => $$"""
        {
          "version": 1,
          "name": "{{name}}",
          "teacher": { "path": "teacher" },
          "data": {{data}},
          "student": { "layers": 1, "seed": 3 },
          "method": { "name": "kd", "temperature": 2, "weights": { "ce": 0.5, "kd": 0.5 } },
          "training": { "steps": {{steps}}, "batchSize": 4, "learningRate": 0.005, "warmupSteps": 1, "checkpointEvery": {{checkpointEvery}}, "evaluateEvery": 3, "seed": 5{{extraTraining}} },
          "evaluation": { "maxBlocks": 8, "batchSize": 4, "prompts": ["the teacher learns"], "gates": { "maxPerplexityRatio": 1000 } }
        }
        """;

    public static string Ted(string name = "tiny-ted") => $$"""
        {
          "version": 1,
          "name": "{{name}}",
          "data": { "train": ["data/train.jsonl"], "validation": ["data/validation.jsonl"], "blockSize": 16 },
          "student": { "layers": 1, "seed": 3 },
          "method": { "name": "ted", "weights": { "ce": 1, "kd": 1, "hidden": 10 }, "ted": { "stageOneLearningRate": 0.001 } },
          "training": { "steps": 4, "filterSteps": 3, "batchSize": 4, "learningRate": 0.005, "checkpointEvery": 2, "evaluateEvery": 2, "seed": 5 },
          "evaluation": { "maxBlocks": 8, "batchSize": 4 }
        }
        """;
}
