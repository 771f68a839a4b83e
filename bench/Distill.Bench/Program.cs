using Distill.Bench;

return await BenchCommandLine.RunAsync(args);
