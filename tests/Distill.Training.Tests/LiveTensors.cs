using Distill.Torch;

namespace Distill.Training.Tests;

/// <summary>
/// The process's live-tensor count, for leak tests. Tests that read it belong to the <see cref="Collection"/>, which
/// runs alone after the parallel tests (other tests' tensors would blur the count), and take their baseline with
/// <see cref="Settle"/>: tensors that earlier tests left to the garbage collector would otherwise be freed by the
/// finalizer in the middle of a measurement.
/// </summary>
[CollectionDefinition(Collection, DisableParallelization = true)]
public sealed class LiveTensors
{
    public const string Collection = "live tensor counts";

    /// <summary>Runs pending finalizers (freeing abandoned tensors), then returns the live-tensor count.</summary>
    public static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return TorchRuntime.LiveTensorCount;
    }
}
