using Distill.Torch.Tests.Support;

namespace Distill.Torch.Tests.Ops;

public sealed class ConversionTests
{
    [Fact]
    public void ToDType_ConvertsValues()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1.75f, -2.5f, 0f, 3f]);

        var asInt = x.To(DType.Int32);
        var asBool = x.To(DType.Bool);
        var asDouble = x.ToFloat32().To(DType.Float64);
        var asHalf = x.To(DType.Float16);

        Assert.Equal([1, -2, 0, 3], asInt.ToArray<int>());
        Assert.Equal([true, true, false, true], asBool.ToArray<bool>());
        Assert.Equal([1.75, -2.5, 0, 3], asDouble.ToArray<double>());
        Assert.Equal([(Half)1.75, (Half)(-2.5), (Half)0, (Half)3], asHalf.ToArray<Half>());
        Assert.Equal(DType.Float32, x.DType);
    }

    [Fact]
    public void ToSameDType_SharesStorage_CopyDoesNot()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1f, 2f]);

        var same = x.To(DType.Float32);
        var copied = x.To(DType.Float32, Device.Cpu, copy: true);

        Assert.True(same.SharesStorageWith(x));
        Assert.False(copied.SharesStorageWith(x));
        TensorAssert.Equal([1, 2], copied, 2);
    }

    [Fact]
    public void ToCpu_OnACpuTensor_KeepsTheDevice()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1.0, 2.0]);

        var moved = x.To(Device.Cpu);

        Assert.Equal(Device.Cpu, moved.Device);
        Assert.Equal("cpu", moved.Device.ToString());
        TensorAssert.Equal([1, 2], moved, 2);
    }

    [Fact]
    public void Cuda_IsNotAvailableOnThisMachine()
    {
        Assert.False(TorchRuntime.IsCudaAvailable);
        Assert.Equal(0, TorchRuntime.CudaDeviceCount);
        Assert.Equal(Device.Cpu, Device.Best);
    }

    [Fact]
    public void ToCuda_WithoutCuda_ThrowsNotSupportedSayingSo()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1f]);

        var error = Assert.Throws<TorchNotSupportedException>(() => x.To(Device.Cuda(0)));

        Assert.StartsWith("cuda:0 was requested but this Distill shim is built against a CPU-only libtorch", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<TorchException>(error);
        Assert.Equal(1, scope.Count);
    }

    [Fact]
    public void CreateOnCuda_WithoutCuda_ThrowsNotSupportedSayingSo()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1f]);

        var zeros = Assert.Throws<TorchNotSupportedException>(() => Tensor.Zeros([2], device: Device.Parse("cuda:0")));
        var random = Assert.Throws<TorchNotSupportedException>(() => Tensor.Randn([2], device: Device.Cuda(1)));
        var data = Assert.Throws<TorchNotSupportedException>(() => x.To(DType.Float16, Device.Cuda(0)));

        Assert.StartsWith("cuda:0 was requested", zeros.Message, StringComparison.Ordinal);
        Assert.StartsWith("cuda:1 was requested", random.Message, StringComparison.Ordinal);
        Assert.StartsWith("cuda:0 was requested", data.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CudaRuntimeCalls_WithoutCuda_ThrowNotSupported()
    {
        Assert.Throws<TorchNotSupportedException>(() => TorchRuntime.CudaSynchronize());
        Assert.Throws<TorchNotSupportedException>(() => TorchRuntime.CudaMemory());
        Assert.Throws<TorchNotSupportedException>(() => new Generator(1, Device.Cuda(0)));
    }

    [Theory]
    [InlineData("cpu", -1)]
    [InlineData("CUDA", 0)]
    [InlineData(" cuda:3 ", 3)]
    public void DeviceParse_KnownForms(string text, int code)
    {
        var device = Device.Parse(text);

        Assert.Equal(code < 0 ? Device.Cpu : Device.Cuda(code), device);
        Assert.Equal(code >= 0, device.IsCuda);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    public void DeviceParse_UnknownForm_ThrowsFormatException(string text)
    {
        var error = Assert.Throws<FormatException>(() => Device.Parse(text));
        Assert.Contains("use cpu, cuda or cuda:N", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Autocast_Cpu_RunsMatMulInBFloat16AndRestoresOnExit()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.Ones([2, 2]);

        Tensor inside;
        using (Autocast.Enter(Device.Cpu, DType.BFloat16))
        {
            inside = a.MatMul(a);
        }
        var outside = a.MatMul(a);
        using (Autocast.Enter(Device.Cpu, enabled: false))
        {
            Assert.Equal(DType.Float32, a.MatMul(a).DType);
        }

        Assert.Equal(DType.BFloat16, inside.DType);
        Assert.Equal(DType.Float32, outside.DType);
        TensorAssert.Equal([2, 2, 2, 2], inside, 2, 2);
    }

    [Fact]
    public void Autocast_Nested_InnerExitKeepsTheOuterRegion()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.Ones([2, 2]);

        DType inner, afterInner;
        using (Autocast.Enter(Device.Cpu))
        {
            using (Autocast.Enter(Device.Cpu))
            {
                inner = a.MatMul(a).DType;
            }
            afterInner = a.MatMul(a).DType;
        }

        Assert.Equal(DType.BFloat16, inner);
        Assert.Equal(DType.BFloat16, afterInner);
        Assert.Equal(DType.Float32, a.MatMul(a).DType);
    }
}
