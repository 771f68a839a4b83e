using Distill.Torch.Native;

namespace Distill.Torch.Tests.Runtime;

/// <summary>
/// libtorch's OpenMP threads spinning between parallel regions starve OpenBLAS's threads on a small machine; loading the
/// engine must let them sleep, unless the user chose a policy.
/// </summary>
public sealed class OpenMpWaitPolicyTests
{
    [Fact]
    public void LoadingTheEngine_OpenMpSeesAPassiveWaitPolicy()
    {
        using (TensorScope.Begin())
        {
            // Any call loads the shim, and with it libtorch and libgomp.
            Assert.Equal(6f, Tensor.Ones([2, 3]).Sum().ToSingle());
        }
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("the wait policy is set on Linux only");
        }

        var managed = Environment.GetEnvironmentVariable(OpenMpWaitPolicy.Variable);
        // Unset before, so PASSIVE now; or the policy the user set before the process started, which is theirs to keep.
        Assert.False(string.IsNullOrEmpty(managed), "loading the engine left OMP_WAIT_POLICY unset");
        // libgomp reads the native environment, not the managed copy.
        Assert.Equal(managed, NativeEnvironment.GetNative(OpenMpWaitPolicy.Variable));
    }

    [Fact]
    public void SetDefault_AVariableTheUserSet_IsLeftAlone()
    {
        const string Variable = "DISTILL_TEST_NATIVE_ENVIRONMENT";
        Assert.True(NativeEnvironment.SetDefault(Variable, "first"));

        Assert.False(NativeEnvironment.SetDefault(Variable, "second"));
        Assert.Equal("first", Environment.GetEnvironmentVariable(Variable));
        Assert.Equal("first", NativeEnvironment.GetNative(Variable));
    }
}
