namespace Distill.Torch.Native;

/// <summary>
/// Lets libtorch's OpenMP threads sleep between parallel regions instead of spinning. On a machine with few cores the
/// spinning threads take the cores that OpenBLAS's own threads and the .NET runtime's need: on two cores a training
/// step of a small GPT-2 with two libtorch threads took 97 ms (median) spinning and 37.5 ms passive, and PyTorch in
/// the same run the same (see the README's benchmarks). A value the user set for OMP_WAIT_POLICY is left alone.
/// </summary>
internal static class OpenMpWaitPolicy
{
    internal const string Variable = "OMP_WAIT_POLICY";

    internal const string Passive = "PASSIVE";

    /// <summary>Sets OMP_WAIT_POLICY=PASSIVE for this process and the processes it starts, unless it is set already.</summary>
    internal static void Apply()
    {
        if (OperatingSystem.IsLinux())
        {
            NativeEnvironment.SetDefault(Variable, Passive);
        }
    }
}
