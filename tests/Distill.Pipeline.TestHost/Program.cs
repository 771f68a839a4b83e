using System.Globalization;
using Distill.Pipeline.TestHost;

// Started by Distill.Pipeline.Tests as separate OS processes: races over one FolderBlobStore folder, and competing
// or killed receivers on one SQLite bus.
return args switch
{
    ["create-race", var root, var container, var count, var id, var goFile] =>
        await HostCommands.CreateRaceAsync(root, container, int.Parse(count, CultureInfo.InvariantCulture), id, goFile),
    ["lease-race", var root, var container, var blob, var rounds, var counterFile, var goFile] =>
        await HostCommands.LeaseRaceAsync(root, container, blob, int.Parse(rounds, CultureInfo.InvariantCulture), counterFile, goFile),
    [var verb, _, _, ..] when verb.StartsWith("bus-", StringComparison.Ordinal) => await BusCommands.RunAsync(verb["bus-".Length..], args),
    _ => HostCommands.Usage(),
};
