using System.Runtime.InteropServices;
using Distill.Torch.Native;

namespace Distill.Torch.Tests.Errors;

public sealed class NativeLibraryLoaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-loader-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void LoadFrom_NoCandidateExists_SaysWhereItLookedAndHowToBuild()
    {
        var missing = Path.Combine(_folder, "libdistilltorch.so");
        var alsoMissing = Path.Combine(_folder, "elsewhere", "libdistilltorch.so");

        var error = Assert.Throws<DllNotFoundException>(() => NativeLibraryLoader.LoadFrom([missing, alsoMissing]));

        Assert.Contains("was not found", error.Message, StringComparison.Ordinal);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains(alsoMissing, error.Message, StringComparison.Ordinal);
        Assert.Contains("./eng/setup.sh", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFrom_FileIsNotASharedLibrary_ExplainsHowToInstallLibtorch()
    {
        var bogus = Path.Combine(_folder, "libdistilltorch.so");
        File.WriteAllText(bogus, "this is not an ELF file");

        var error = Assert.Throws<DllNotFoundException>(() => NativeLibraryLoader.LoadFrom([bogus]));

        Assert.Contains($"Distill's native shim at {bogus} could not be loaded", error.Message, StringComparison.Ordinal);
        Assert.Contains("sudo apt-get install libtorch-dev libopenblas0-pthread", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.InnerException);
    }

    [Fact]
    public void LoadFrom_ASharedLibraryThatIsNotTheShim_SaysSo()
    {
        var other = Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "libSystem.Native.so");
        Assert.True(File.Exists(other), $"{other} should ship with the .NET runtime");

        var error = Assert.Throws<DllNotFoundException>(() => NativeLibraryLoader.LoadFrom([other]));

        Assert.Contains("is a shared library but not Distill's native shim", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFrom_SkipsMissingCandidates_AndLoadsTheShim()
    {
        var shim = Path.Combine(AppContext.BaseDirectory, "libdistilltorch.so");

        var handle = NativeLibraryLoader.LoadFrom([Path.Combine(_folder, "missing.so"), shim]);

        Assert.NotEqual(0, handle);
        Assert.True(NativeLibrary.TryGetExport(handle, "dt_live_tensor_count", out _));
    }

    [Fact]
    public void CandidatePaths_IncludeTheApplicationFolder()
    {
        Assert.Contains(Path.Combine(AppContext.BaseDirectory, "libdistilltorch.so"), NativeLibraryLoader.CandidatePaths());
    }
}
