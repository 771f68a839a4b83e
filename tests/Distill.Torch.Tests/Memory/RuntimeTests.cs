using Distill.Torch.Tests.Support;

namespace Distill.Torch.Tests.Memory;

/// <summary>Process-wide state (default generator, thread count) is only touched by tests that run alone.</summary>
[Collection(RunsAlone.Name)]
public sealed class RuntimeTests
{
    [Fact]
    public void ManualSeed_MakesTheDefaultGeneratorReproducible()
    {
        using var scope = TensorScope.Begin();

        TorchRuntime.ManualSeed(42);
        var first = TensorAssert.Values(Tensor.Randn([4], dtype: DType.Float64));
        TorchRuntime.ManualSeed(42);
        var second = TensorAssert.Values(Tensor.Randn([4], dtype: DType.Float64));

        Assert.Equal(first, second);
        // The default CPU generator seeded 42 gives PyTorch's torch.manual_seed(42) stream.
        TensorAssert.Close([0.33669035438385886, 0.1288094051365897, 0.23446236336153173, 0.2303330279146119], first, 1e-15);
    }

    [Fact]
    public void DefaultGeneratorState_SaveAndRestore_ReproducesDropoutAndSampling()
    {
        using var scope = TensorScope.Begin();
        TorchRuntime.ManualSeed(3);
        var state = Generator.GetDefaultState(Device.Cpu);

        var mask = TensorAssert.Values(Functional.Dropout(Tensor.Ones([64]), 0.5, training: true));
        var draws = TensorAssert.Values(Tensor.Rand([8]));
        Generator.SetDefaultState(Device.Cpu, state);

        Assert.Equal(mask, TensorAssert.Values(Functional.Dropout(Tensor.Ones([64]), 0.5, training: true)));
        Assert.Equal(draws, TensorAssert.Values(Tensor.Rand([8])));
    }

    [Fact]
    public void Threads_CanBeSetAndRead_AndZeroIsRefused()
    {
        var original = TorchRuntime.Threads;
        try
        {
            TorchRuntime.Threads = 1;
            Assert.Equal(1, TorchRuntime.Threads);
            var error = Assert.Throws<TorchException>(() => TorchRuntime.Threads = 0);
            Assert.Contains("the thread count must be at least 1", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            TorchRuntime.Threads = original;
        }
        Assert.Equal(original, TorchRuntime.Threads);
    }

    [Fact]
    public void VersionAndBuildInfo_DescribeTheLibtorch()
    {
        Assert.StartsWith("1.13", TorchRuntime.Version, StringComparison.Ordinal);
        Assert.Contains("PyTorch built with", TorchRuntime.BuildInfo, StringComparison.Ordinal);
    }
}
