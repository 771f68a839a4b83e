using Distill.Contracts.Checkpoints;

namespace Distill.Torch.Tests.Serialization;

/// <summary>The contracts' list of loadable safetensors dtypes is exactly the engine's dtypes, with the same sizes.</summary>
public sealed class SafeTensorsDTypeTests
{
    [Fact]
    public void ContractsDTypes_AreTheEngineDTypes_WithTheSameElementSizes()
    {
        var engine = Enum.GetValues<DType>().ToDictionary(d => d.ToSafeTensorsName(), d => d.ElementSize());

        var contracts = SafeTensorsDTypes.All.ToDictionary(name => name, SafeTensorsDTypes.ElementSize);

        Assert.Equal(engine.OrderBy(p => p.Key, StringComparer.Ordinal), contracts.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.All(SafeTensorsDTypes.All, name => Assert.True(DTypeExtensions.TryFromSafeTensorsName(name, out _), name));
    }
}
