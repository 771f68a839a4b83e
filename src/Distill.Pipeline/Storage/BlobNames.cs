using System.Text;

namespace Distill.Pipeline.Storage;

/// <summary>The naming rules of <see cref="BlobAddress"/>, shared by every store so that all reject the same names.</summary>
internal static class BlobNames
{
    public const int MaxBlobNameLength = 1024;
    public const int MaxSegmentBytes = 255;

    public static void ThrowIfInvalidContainer(string container)
    {
        if (ContainerProblem(container) is { } problem)
        {
            throw BlobStoreErrors.InvalidName(container, null, problem);
        }
    }

    public static void ThrowIfInvalidBlobName(string container, string name)
    {
        if (BlobNameProblem(name) is { } problem)
        {
            throw BlobStoreErrors.InvalidName(container, name, problem);
        }
    }

    /// <summary>A list prefix may be empty or end anywhere (<c>runs/ab</c>, <c>runs/</c>), but has the blob names' characters.</summary>
    public static void ThrowIfInvalidPrefix(string container, string prefix)
    {
        if (prefix.Length > MaxBlobNameLength)
        {
            throw BlobStoreErrors.InvalidName(container, prefix, $"a prefix has at most {MaxBlobNameLength} characters, this one has {prefix.Length}");
        }
        if (CharacterProblem(prefix) is { } problem)
        {
            throw BlobStoreErrors.InvalidName(container, prefix, problem);
        }
    }

    private static string? ContainerProblem(string container)
    {
        if (container.Length is < 3 or > 63)
        {
            return $"a container name has 3 to 63 characters, this one has {container.Length}";
        }
        for (var i = 0; i < container.Length; i++)
        {
            var c = container[i];
            var letterOrDigit = c is (>= 'a' and <= 'z') or (>= '0' and <= '9');
            if (!letterOrDigit && c != '-')
            {
                return $"only lowercase letters, digits and '-' are allowed, found '{c}' at {i}";
            }
        }
        if (container[0] == '-' || container[^1] == '-')
        {
            return "a container name starts and ends with a letter or digit";
        }
        if (container.Contains("--", StringComparison.Ordinal))
        {
            return "a container name has no consecutive hyphens";
        }
        return null;
    }

    private static string? BlobNameProblem(string name)
    {
        if (name.Length is 0 or > MaxBlobNameLength)
        {
            return $"a blob name has 1 to {MaxBlobNameLength} characters, this one has {name.Length}";
        }
        if (CharacterProblem(name) is { } problem)
        {
            return problem;
        }
        var start = 0;
        while (start <= name.Length)
        {
            var end = name.IndexOf('/', start);
            if (end < 0)
            {
                end = name.Length;
            }
            var segment = name.AsSpan(start, end - start);
            if (segment.IsEmpty)
            {
                return "the name has an empty segment (a leading, trailing or doubled '/')";
            }
            if (segment is "." or "..")
            {
                return $"'{segment}' is not allowed as a segment";
            }
            if (segment[^1] == '.')
            {
                return $"the segment '{segment}' ends in '.'";
            }
            var bytes = Encoding.UTF8.GetByteCount(segment);
            if (bytes > MaxSegmentBytes)
            {
                return $"a segment has at most {MaxSegmentBytes} UTF-8 bytes, '{segment[..16]}...' has {bytes}";
            }
            start = end + 1;
        }
        return null;
    }

    private static string? CharacterProblem(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\')
            {
                return $"backslash at {i}; use '/' to separate virtual folders";
            }
            if (char.IsControl(c))
            {
                return $"control character U+{(int)c:X4} at {i}";
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
            {
                return $"unpaired surrogate U+{(int)c:X4} at {i}";
            }
        }
        return null;
    }
}
