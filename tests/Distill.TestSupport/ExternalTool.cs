namespace Distill.TestSupport;

/// <summary>
/// Tests that need a tool installed by eng/test.sh (node packages, azurite) call <see cref="Require"/>. When the
/// tool is absent they are skipped with the reason, unless DISTILL_REQUIRE_ALL=1 (set by eng/test.sh and so in CI),
/// where a missing tool fails the test instead of hiding it.
/// </summary>
public static class ExternalTool
{
    public static void Require(bool present, string what)
    {
        if (present)
        {
            return;
        }
        var message = $"{what} is not installed; run ./eng/test.sh, which installs it";
        if (Environment.GetEnvironmentVariable("DISTILL_REQUIRE_ALL") == "1")
        {
            Assert.Fail(message);
        }
        Assert.Skip(message);
    }
}
