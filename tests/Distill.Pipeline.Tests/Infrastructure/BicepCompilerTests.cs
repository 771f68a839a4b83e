using System.Diagnostics;
using System.Reflection;
using Distill.TestSupport;

namespace Distill.Pipeline.Tests.Infrastructure;

/// <summary>
/// Compiles infra/main.bicep (and through it every module) with the Bicep CLI restored from NuGet: a misspelt property,
/// a property the API version does not have, a wrong type or a linter finding fails the test.
/// </summary>
public sealed class BicepCompilerTests
{
    [Fact]
    public async Task Build_MainTemplate_CompilesWithoutDiagnostics()
    {
        var bicep = typeof(BicepCompilerTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "BicepCli").Value!;
        ExternalTool.Require(File.Exists(bicep), $"the Bicep CLI ({bicep}, restored by tests/Distill.Pipeline.Tests)");
        // NuGet extracts the binary without its execute bit (the package is the linux-x64 build).
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("the restored Bicep CLI is the linux-x64 build");
        }
        else
        {
            File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);
        }
        var output = Path.Combine(Path.GetTempPath(), $"distill-main-{Environment.ProcessId}.json");
        var start = new ProcessStartInfo(bicep, ["build", Path.Combine(RepositoryPaths.Root, "infra", "main.bicep"), "--outfile", output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";
        try
        {
            using var process = Process.Start(start)!;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            var errors = process.StandardError.ReadToEndAsync(timeout.Token);
            var messages = process.StandardOutput.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);

            Assert.Equal("", (await errors).Trim() + (await messages).Trim());
            Assert.Equal(0, process.ExitCode);
            Assert.Contains("\"Microsoft.App/jobs\"", await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(output);
        }
    }
}
