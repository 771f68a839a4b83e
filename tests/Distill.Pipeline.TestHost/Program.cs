using System.Globalization;
using Distill.Pipeline.TestHost;

// Started by Distill.Pipeline.Tests, several at once, to race processes over one FolderBlobStore folder.
return args switch
{
    ["create-race", var root, var container, var count, var id, var goFile] =>
        await HostCommands.CreateRaceAsync(root, container, int.Parse(count, CultureInfo.InvariantCulture), id, goFile),
    ["lease-race", var root, var container, var blob, var rounds, var counterFile, var goFile] =>
        await HostCommands.LeaseRaceAsync(root, container, blob, int.Parse(rounds, CultureInfo.InvariantCulture), counterFile, goFile),
    _ => HostCommands.Usage(),
};
