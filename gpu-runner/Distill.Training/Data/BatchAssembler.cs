using Distill.Torch;

namespace Distill.Training.Data;

/// <summary>Fills reusable host buffers with blocks' inputs and targets and copies them into tensors.</summary>
internal sealed class BatchAssembler
{
    private readonly TokenDataset _dataset;
    private readonly DataSplit _split;
    private readonly Device _device;
    private readonly long[] _inputs;
    private readonly long[] _targets;
    private readonly BlockScratch _scratch;

    public BatchAssembler(TokenDataset dataset, DataSplit split, int rows, Device device)
    {
        _dataset = dataset;
        _split = split;
        _device = device;
        _inputs = new long[(long)rows * dataset.BlockSize];
        _targets = new long[_inputs.Length];
        _scratch = new BlockScratch(dataset.BlockSize + 1);
    }

    public TokenBatch Assemble(long[] blocks, DataCursor? cursorAfter)
    {
        var length = _dataset.BlockSize;
        long counted = 0;
        for (var r = 0; r < blocks.Length; r++)
        {
            counted += _dataset.FillRow(_split, blocks[r], _inputs.AsSpan(r * length, length), _targets.AsSpan(r * length, length), _scratch);
        }
        long[] shape = [blocks.Length, length];
        var inputs = Tensor.FromSpan<long>(_inputs.AsSpan(0, blocks.Length * length), shape, device: _device);
        try
        {
            var targets = Tensor.FromSpan<long>(_targets.AsSpan(0, blocks.Length * length), shape, device: _device);
            return new TokenBatch(inputs, targets, blocks, counted, cursorAfter);
        }
        catch
        {
            inputs.Dispose();
            throw;
        }
    }
}
