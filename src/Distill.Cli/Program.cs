using Distill.Cli;

return await DistillCommandLine.RunAsync(args);
