using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Distill.Torch;

namespace Distill.Cli;

/// <summary>Options several verbs share, and validators that turn out-of-range values into usage errors (exit 2).</summary>
internal static class CommandOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print one JSON object at the end instead of progress bars and tables." };

    /// <summary>The local store folder the pipeline verbs (submit, watch, status, up) work on.</summary>
    public static Option<string?> Store() => new("--store")
    {
        Description = $"The local store folder (blobs and bus); default: ${Distill.Pipeline.Local.LocalStore.EnvironmentVariable}, else ./{Distill.Pipeline.Local.LocalStore.DefaultFolderName}.",
    };

    public static Option<string> DeviceOption() => new Option<string>("--device")
    {
        Description = "Where the model runs: cpu, cuda, cuda:N, or auto (CUDA when available).",
        DefaultValueFactory = _ => "cpu",
    }.Validate(value => TryParseDevice(value, out _) ? null : $"--device '{value}' is not cpu, cuda, cuda:N or auto");

    public static Option<T> AtLeast<T>(this Option<T> option, T minimum)
        where T : IComparable<T> =>
        option.Validate(value => value.CompareTo(minimum) >= 0 ? null : string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be at least {minimum} (got {value})"));

    public static Option<T?> AtLeast<T>(this Option<T?> option, T minimum)
        where T : struct, IComparable<T> =>
        option.Validate(value => value is not { } v || v.CompareTo(minimum) >= 0 ? null : string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be at least {minimum} (got {value})"));

    public static Option<double> Positive(this Option<double> option) =>
        option.Validate(value => double.IsFinite(value) && value > 0 ? null : string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be a positive number (got {value})"));

    /// <summary>Adds a validator: <paramref name="check"/> returns null for a good value, else the error.</summary>
    public static Option<T> Validate<T>(this Option<T> option, Func<T, string?> check)
    {
        option.Validators.Add(result =>
        {
            if (result.Implicit)
            {
                return;
            }
            var value = result.GetValueOrDefault<T>();
            if (check(value) is { } error)
            {
                result.AddError(error);
            }
        });
        return option;
    }

    /// <summary>--document-separator: a line that ends a document in plain text files, instead of blank lines.</summary>
    public static Option<string?> DocumentSeparator() => new Option<string?>("--document-separator")
    {
        Description = "A line that ends a document in plain text files (for example % in fortune files); documents end at blank lines otherwise.",
    }.Validate(value => value is not null && value.Trim().Length == 0 ? "--document-separator must not be blank" : null);

    /// <summary>--whole-files: each plain text file is one document.</summary>
    public static Option<bool> WholeFiles() => new("--whole-files") { Description = "Each plain text file is one document (not cut at blank lines)." };

    /// <summary>True when the option was written on the command line (not its default).</summary>
    public static bool WasGiven(this ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>cpu, cuda (device 0), cuda:N, or auto (CUDA when a device is visible).</summary>
    public static bool TryParseDevice(string? text, out Device device)
    {
        device = Device.Cpu;
        if (text is null)
        {
            return false;
        }
        if (text == "auto")
        {
            device = Device.Best;
            return true;
        }
        try
        {
            device = Device.Parse(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// The device the option names, or null after writing why it cannot be used (CUDA asked for where there is none).
    /// </summary>
    public static Device? ResolveDevice(string text, string verb, TextWriter error)
    {
        if (!TryParseDevice(text, out var device))
        {
            error.WriteLine($"{verb}: --device '{text}' is not cpu, cuda, cuda:N or auto");
            return null;
        }
        if (device.IsCuda && device.Index >= TorchRuntime.CudaDeviceCount)
        {
            error.WriteLine($"{verb}: --device {text}: {(TorchRuntime.CudaDeviceCount == 0 ? "no CUDA device is available (or the engine was built without CUDA)" : $"only {TorchRuntime.CudaDeviceCount} CUDA device(s) are available")}; use --device cpu or auto");
            return null;
        }
        return device;
    }
}
