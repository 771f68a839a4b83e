using Distill.Runner.Hosting;

return await RunnerProgram.RunAsync(args);
