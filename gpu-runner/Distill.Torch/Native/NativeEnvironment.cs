using System.Runtime.InteropServices;

namespace Distill.Torch.Native;

/// <summary>
/// Environment variables the native libraries read when they load (OpenBLAS, libgomp): set in the native environment,
/// where their <c>getenv</c> looks, and in the managed copy, which is what child processes get.
/// </summary>
internal static partial class NativeEnvironment
{
    /// <summary>Sets <paramref name="variable"/> to <paramref name="value"/> unless the user set it already.</summary>
    /// <returns>True when it was set here.</returns>
    internal static bool SetDefault(string variable, string value)
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
        {
            return false;
        }
        if (setenv(variable, value, 0) != 0)
        {
            return false;
        }
        Environment.SetEnvironmentVariable(variable, value);
        return true;
    }

    /// <summary>The value the native libraries see (<c>getenv</c>), which may differ from the managed copy.</summary>
    internal static string? GetNative(string variable) => Marshal.PtrToStringUTF8(getenv(variable));

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getenv(string name);
}
