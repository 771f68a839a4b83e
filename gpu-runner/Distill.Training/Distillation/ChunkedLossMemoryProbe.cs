using System.Globalization;
using System.Runtime.InteropServices;
using Distill.Contracts.Methods;
using Distill.Contracts.Models;
using Distill.Torch;
using Distill.Training.Data;
using Distill.Training.Models;
using Distill.Training.Trainers;

namespace Distill.Training.Distillation;

/// <summary>
/// Measures the peak resident memory of one KD training step (<see cref="DistillationObjective"/>: both forward passes,
/// the chunked vocabulary terms and the backward) for several sequence lengths and chunk sizes, to show that the peak
/// follows the chunk, not the sequence. Linux with glibc only, on the CPU.
/// </summary>
/// <remarks>
/// How: glibc is told to serve every allocation of 64 KiB or more with its own mapping (<c>mallopt(M_MMAP_THRESHOLD)</c>,
/// which also stops glibc from raising that threshold as it otherwise does after frees), so freed tensors go back to
/// the system at once and the resident set tracks the live tensors; libtorch's CPU allocator does not cache. Before each
/// measured step the heap is trimmed (<c>malloc_trim</c>), the kernel's peak counter is reset (writing 5 to
/// <c>/proc/self/clear_refs</c>) and the resident set read (<c>VmRSS</c>); after the step the peak (<c>VmHWM</c>) minus
/// that baseline is the step's peak. Each configuration runs once unmeasured (its gradients and workspaces exist from
/// then on, as in training) and then <see cref="ChunkedLossMemoryProbeOptions.Repeats"/> times; the smallest peak is
/// reported. The process's other threads must be idle: run it alone (the tests put it in a non-parallel collection).
/// </remarks>
public static class ChunkedLossMemoryProbe
{
    private const int MallocMmapThreshold = -3;
    private const int MmapThresholdBytes = 64 * 1024;

    /// <summary>Whether the probe can run here (Linux, with a writable <c>/proc/self/clear_refs</c>).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && File.Exists("/proc/self/clear_refs") && File.Exists("/proc/self/status");

    /// <summary>Runs the grid of <paramref name="options"/>, in the order sequence length, then chunk size.</summary>
    /// <exception cref="PlatformNotSupportedException">Not Linux, or the kernel refuses to reset the peak counter.</exception>
    public static IReadOnlyList<ChunkedLossMemoryMeasurement> Measure(ChunkedLossMemoryProbeOptions? options = null)
    {
        options ??= new ChunkedLossMemoryProbeOptions();
        options.Validate();
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("the memory probe reads /proc/self/status and resets /proc/self/clear_refs: Linux only");
        }
        if (Mallopt(MallocMmapThreshold, MmapThresholdBytes) != 1)
        {
            throw new PlatformNotSupportedException("mallopt(M_MMAP_THRESHOLD) failed: the probe needs glibc");
        }
        var maxLength = options.SequenceLengths.Max();
        using var teacher = CausalLanguageModel.CreateInitialized(Config(options, options.TeacherHiddenSize, maxLength), options.Seed);
        using var student = CausalLanguageModel.CreateInitialized(Config(options, options.StudentHiddenSize, maxLength), options.Seed + 1);
        var method = new MethodOptions { Name = MethodNames.Kd };
        var results = new List<ChunkedLossMemoryMeasurement>();
        foreach (var length in options.SequenceLengths)
        {
            using var batch = RandomBatch(options.BatchSize, length, options.VocabSize, options.Seed);
            foreach (var chunk in options.ChunkTokens)
            {
                using var objective = new DistillationObjective(student, teacher, method, chunkTokens: chunk);
                Step(objective, batch);
                var peaks = new List<long>();
                for (var r = 0; r < options.Repeats; r++)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    // The result only says whether memory was released; either way the baseline is read next.
                    _ = MallocTrim(0);
                    ResetPeak();
                    var baseline = ReadStatusBytes("VmRSS");
                    Step(objective, batch);
                    peaks.Add(ReadStatusBytes("VmHWM") - baseline);
                }
                var rows = Math.Min(chunk, (long)options.BatchSize * length);
                results.Add(new ChunkedLossMemoryMeasurement(length, chunk, peaks.Min(), rows * options.VocabSize * sizeof(float)));
            }
        }
        return results;
    }

    /// <summary>A table of the measurements in MiB, one line per configuration.</summary>
    public static string Format(IReadOnlyList<ChunkedLossMemoryMeasurement> measurements)
    {
        ArgumentNullException.ThrowIfNull(measurements);
        const double MiB = 1024 * 1024;
        var lines = new List<string> { "sequence  chunk  peak MiB  one fp32 logits chunk MiB" };
        lines.AddRange(measurements.Select(m => string.Create(CultureInfo.InvariantCulture,
            $"{m.SequenceLength,8}  {m.ChunkTokens,5}  {m.PeakBytes / MiB,8:F1}  {m.LogitsChunkBytes / MiB,8:F1}")));
        return string.Join(Environment.NewLine, lines);
    }

    private static void Step(DistillationObjective objective, TokenBatch batch)
    {
        using var scope = TensorScope.Begin();
        using var grad = TorchRuntime.EnableGrad();
        objective.ForwardBackward(batch, new MicroBatchContext
        {
            LossScale = 1,
            Step = 0,
            TotalSteps = 1,
            MicroBatch = 0,
            Device = Device.Cpu,
            UseAutocast = false,
        }).Loss.ToDouble();
    }

    private static TokenBatch RandomBatch(int rows, int length, int vocabulary, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        var ids = Enumerable.Range(0, rows * length).Select(_ => random.NextInt64(vocabulary)).ToArray();
        var targets = Enumerable.Range(0, rows * length).Select(_ => random.NextInt64(vocabulary)).ToArray();
        return new TokenBatch(
            Tensor.FromArray(ids, rows, length).DetachFromScope(),
            Tensor.FromArray(targets, rows, length).DetachFromScope(),
            Enumerable.Range(0, rows).Select(r => (long)r).ToArray(),
            targets.LongLength,
            cursorAfter: null);
    }

    private static ModelConfig Config(ChunkedLossMemoryProbeOptions options, int hidden, int maxLength) => new()
    {
        ModelType = "gpt2",
        VocabSize = options.VocabSize,
        HiddenSize = hidden,
        NumLayers = options.Layers,
        NumHeads = options.Heads,
        NumKeyValueHeads = options.Heads,
        HeadDim = hidden / options.Heads,
        IntermediateSize = 4 * hidden,
        MaxPositions = maxLength,
        NormEps = 1e-5,
        Activation = "gelu_new",
        TieWordEmbeddings = true,
        QkvBias = true,
        AttentionOutputBias = true,
        MlpBias = true,
    };

    private static void ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PlatformNotSupportedException($"cannot reset the peak resident set through /proc/self/clear_refs: {e.Message}", e);
        }
    }

    /// <summary>A "Name:  123 kB" line of /proc/self/status, in bytes.</summary>
    private static long ReadStatusBytes(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var value = line[(field.Length + 1)..].Trim();
                var kilobytes = long.Parse(value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
                return kilobytes * 1024;
            }
        }
        throw new PlatformNotSupportedException($"/proc/self/status has no {field} line");
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Mallopt(int parameter, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MallocTrim(nuint pad);
}
