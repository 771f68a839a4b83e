namespace Distill.Contracts.Checkpoints;

/// <summary>
/// A safetensors file or a sharded checkpoint's index is malformed, or holds something Distill's engine (libtorch 1.13) cannot load.
/// The message names the file and, where there is one, the tensor.
/// </summary>
public sealed class SafeTensorsFormatException : Exception
{
    public SafeTensorsFormatException()
    {
        FilePath = "";
    }

    public SafeTensorsFormatException(string message)
        : base(message)
    {
        FilePath = "";
    }

    public SafeTensorsFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        FilePath = "";
    }

    /// <summary>A problem in <paramref name="filePath"/>, with the tensor it concerns when there is one.</summary>
    public SafeTensorsFormatException(string filePath, string? tensorName, string problem, Exception? innerException = null)
        : base(Describe(filePath, tensorName, problem), innerException)
    {
        FilePath = filePath;
        TensorName = tensorName;
    }

    /// <summary>The file with the problem (a .safetensors file or an index).</summary>
    public string FilePath { get; }

    /// <summary>The tensor the problem concerns, if any.</summary>
    public string? TensorName { get; }

    private static string Describe(string filePath, string? tensorName, string problem) =>
        tensorName is null ? $"{filePath}: {problem}" : $"{filePath}: tensor '{tensorName}': {problem}";
}
