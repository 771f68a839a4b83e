namespace Distill.Training.Data;

/// <summary>Reusable buffers for reading one stored block (tokens in either width, and mask bytes).</summary>
internal sealed class BlockScratch(int stored)
{
    public ushort[] U16 { get; } = new ushort[stored];

    public uint[] U32 { get; } = new uint[stored];

    public byte[] Mask { get; } = new byte[stored];
}
