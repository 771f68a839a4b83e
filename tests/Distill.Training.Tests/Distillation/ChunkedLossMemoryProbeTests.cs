using Distill.Training.Distillation;

namespace Distill.Training.Tests.Distillation;

/// <summary>Runs alone: the probe reads the process's resident memory, which other tests' tensors would blur.</summary>
[CollectionDefinition(nameof(IsolatedResidentMemory), DisableParallelization = true)]
public sealed class IsolatedResidentMemory;

[Collection(nameof(IsolatedResidentMemory))]
public sealed class ChunkedLossMemoryProbeTests
{
    [Fact]
    public void Measure_KdStep_PeakMemoryFollowsTheChunkNotTheSequence()
    {
        Assert.True(ChunkedLossMemoryProbe.IsSupported, "the probe needs Linux's /proc/self/status and /proc/self/clear_refs");
        var measurements = ChunkedLossMemoryProbe.Measure(new ChunkedLossMemoryProbeOptions
        {
            VocabSize = 16384,
            StudentHiddenSize = 32,
            TeacherHiddenSize = 64,
            SequenceLengths = [128, 512],
            ChunkTokens = [32, 128],
        });
        long Peak(int length, int chunk) => measurements.Single(m => m.SequenceLength == length && m.ChunkTokens == chunk).PeakBytes;
        var table = ChunkedLossMemoryProbe.Format(measurements);

        // Four times the sequence at a fixed chunk: the peak grows only by the activations (B·T·d and the T² attention map).
        Assert.True(Peak(512, 32) < 1.5 * Peak(128, 32), table);
        Assert.True(Peak(512, 128) < 1.25 * Peak(128, 128), table);
        // Four times the chunk at a fixed sequence: the peak grows with the logits chunks.
        Assert.True(Peak(512, 128) > 2.5 * Peak(512, 32), table);
        Assert.True(Peak(128, 128) > 2.5 * Peak(128, 32), table);
        Assert.All(measurements, m => Assert.True(m.PeakBytes > m.LogitsChunkBytes, table));
    }
}
